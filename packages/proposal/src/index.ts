export { ProposalError, type ProposalErrorCode } from "./errors.js";
export {
  CANDIDATE_VERSION,
  MAX_CANDIDATE_BYTES,
  parseCandidate,
  type CandidateFile,
  type DataFingerprint,
} from "./candidate.js";
export { higherIsBetter } from "./metric-direction.js";
export {
  compactJson,
  formatNumber,
  MAX_BODY_CHARS,
  metricsTable,
  PROPOSAL_LABEL,
  proposalBranch,
  proposalMarker,
  renderPullRequest,
  type ProposalInput,
  type PullRequestDraft,
} from "./pull-request.js";
export { GitError, GitRepo } from "./git-repo.js";
export { proposeCandidate, type ProposeOptions, type ProposeOutcome } from "./propose.js";
export {
  defaultCandidatePath,
  defaultReportPath,
  runProposal,
  type ProposalResult,
  type RunProposalOptions,
} from "./run-proposal.js";
