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
  REPLAY_SECTION,
  proposalBranch,
  proposalMarker,
  renderPullRequest,
  type ProposalInput,
  type PullRequestDraft,
} from "./pull-request.js";
export { GitError, GitRepo, remoteAuthEnvironment } from "./git-repo.js";
export { proposeCandidate, type ProposeOptions, type ProposeOutcome } from "./propose.js";
export {
  defaultCandidatePath,
  defaultReportPath,
  runProposal,
  type ProposalResult,
  type RunProposalOptions,
} from "./run-proposal.js";
export {
  lockHistory,
  proposeLockChange,
  type LockChangeOptions,
  type LockChangeResult,
} from "./lock-change-request.js";
export {
  PROMOTION_LABEL,
  promotionBranch,
  runPromotion,
  type PromotionContext,
} from "./promotion-request.js";
export { pinSoak, type PinSoak } from "./pin-soak.js";
export {
  evidenceSection,
  type PromotionEvidence,
  type ReportSummary,
  type ServedTraffic,
} from "./promotion-evidence.js";
export { REVERT_LABEL, revertBranch, runRevert } from "./revert-request.js";
export { lockChange, previewUrl } from "./rendered-change.js";
export { RELEASE_BRANCH, RELEASE_LABEL, runImageRelease, setImageDigest } from "./release-request.js";
