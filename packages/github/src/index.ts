export { GitHubApiError, LockstepGitHubError, type GitHubValidationError } from "./errors.js";
export {
  GitHubClient,
  type AttestationBundle,
  type GitHubClientOptions,
  type Issue,
  type PullRequest,
} from "./client.js";
export {
  MAX_PULL_REQUEST_BODY,
  upsertPullRequestSection,
  withSection,
  wrapSection,
  type SectionOutcome,
} from "./pull-request-section.js";
export { upsertPullRequest, type PullRequestContent, type UpsertResult } from "./upsert-pull-request.js";
export {
  upsertDriftIssue,
  driftMarker,
  readDriftMarker,
  type DriftIssueOutcome,
  type DriftMarker,
  type DriftReport,
} from "./drift-issue.js";
export { upsertFailureIssue, type FailureReport } from "./failure-issue.js";
export { postChatMessage, type ChatTarget } from "./chat-notify.js";
export {
  repositoryFindings,
  SECURITY_POLICY,
  type SettingFinding,
  type SettingsPolicy,
} from "./repository-settings.js";
