/** Exit codes: 0 success; 1 the work failed (validation, integrity, training); 2 usage or input error. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
    readonly code = "CLI_USAGE",
  ) {
    super(message);
  }
}

const USAGE_CODES = new Set([
  "CLI_USAGE",
  "PARAMS_INVALID",
  "DATA_INVALID",
  "DATA_CORRUPT",
  "MODEL_UNKNOWN",
  "LOCK_PARSE",
  "LOCK_INVALID",
  "LOCK_TOO_LARGE",
  "LOCK_NOT_FOUND",
  "STORE_URI",
  "CANDIDATE_INVALID",
  "CANDIDATE_MISSING",
  "CANDIDATE_TOO_LARGE",
  "VERIFY_INPUT",
  "DEPLOY_CONFIG_PARSE",
  "DEPLOY_CONFIG_INVALID",
  "DEPLOY_CONFIG_NOT_FOUND",
  "IMAGE_UNRELEASED",
  "PROMOTE_REFUSED",
  "REVERT_REFUSED",
  "RELEASE_REFUSED",
  "LOG_INVALID",
  "LOG_EMPTY",
  "RECORD_INVALID",
  "SINK_INVALID",
  "REPLAY_INVALID",
  "REPLAY_EMPTY",
  "SAMPLE_INVALID",
  "CANDIDATE_MISMATCH",
  "SNAPSHOT_MISSING",
  "SNAPSHOT_INVALID",
  "SNAPSHOT_TARGET",
  "WATCH_CONFIG_INVALID",
]);

/** Maps any error to its exit code: bad input is 2, everything else 1. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && USAGE_CODES.has(code) ? EXIT.usage : EXIT.failure;
}
