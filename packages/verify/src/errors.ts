export type VerifyErrorCode = "VERIFY_INPUT";

/** Options for a verification that cannot be used: the message says what to fix. */
export class VerifyError extends Error {
  override readonly name = "VerifyError";
  constructor(
    readonly code: VerifyErrorCode,
    message: string,
  ) {
    super(message);
  }
}
