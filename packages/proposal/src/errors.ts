export type ProposalErrorCode = "CANDIDATE_INVALID" | "CANDIDATE_MISSING" | "CANDIDATE_TOO_LARGE";

export class ProposalError extends Error {
  override readonly name = "ProposalError";
  constructor(
    readonly code: ProposalErrorCode,
    message: string,
  ) {
    super(message);
  }
}
