/** One problem found in a lock file: where (a JSON pointer) and what was expected. */
export interface LockIssue {
  pointer: string;
  message: string;
}

export type LockErrorCode =
  "LOCK_PARSE" | "LOCK_INVALID" | "LOCK_TOO_LARGE" | "LOCK_NOT_FOUND" | "LOCK_MODEL";

export class LockError extends Error {
  override readonly name = "LockError";
  constructor(
    readonly code: LockErrorCode,
    message: string,
    readonly issues: readonly LockIssue[] = [],
    readonly source?: string,
  ) {
    super(message);
  }
}
