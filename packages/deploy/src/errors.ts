export type DeployErrorCode =
  | "ROLLOUTS_DURATION_INVALID"
  | "ROLLOUTS_EXPR_COMPILE"
  | "ROLLOUTS_EXPR_RUNTIME"
  | "ROLLOUTS_EXPR_UNSUPPORTED"
  | "ROLLOUTS_EXPR_LIMIT"
  /** A web metric's JSONPath outside the ported subset ({$}, {$.a.b}). */
  | "ROLLOUTS_JSONPATH_UNSUPPORTED"
  | "ROLLOUTS_ARGS_UNRESOLVED"
  | "ROLLOUTS_METRIC_INVALID"
  | "ROLLOUTS_RUN_INVALID"
  | "DEPLOY_CONFIG_PARSE"
  | "DEPLOY_CONFIG_INVALID"
  | "DEPLOY_CONFIG_NOT_FOUND"
  | "MODEL_UNKNOWN"
  | "RENDER_INVALID"
  | "IMAGE_UNRELEASED"
  | "PROMOTE_REFUSED"
  /** A soak (promotionRequires.minSoak) that does not parse. */
  | "DURATION_INVALID"
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
