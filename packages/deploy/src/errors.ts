export type DeployErrorCode =
  | "DEPLOY_CONFIG_PARSE"
  | "DEPLOY_CONFIG_INVALID"
  | "DEPLOY_CONFIG_NOT_FOUND"
  | "MODEL_UNKNOWN"
  | "RENDER_INVALID"
  | "PROMOTE_REFUSED"
  | "REVERT_REFUSED"
  | "RELEASE_REFUSED";

/** One problem in the deployment config: where (a JSON pointer) and what was expected. */
export interface ConfigIssue {
  pointer: string;
  message: string;
}

export class DeployError extends Error {
  override readonly name = "DeployError";
  constructor(
    readonly code: DeployErrorCode,
    message: string,
    readonly issues: readonly ConfigIssue[] = [],
  ) {
    super(message);
  }
}
