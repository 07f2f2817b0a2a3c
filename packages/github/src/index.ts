export { GitHubApiError, type GitHubValidationError } from "./errors.js";
export { GitHubClient, type GitHubClientOptions, type PullRequest } from "./client.js";
export { upsertPullRequest, type PullRequestContent, type UpsertResult } from "./upsert-pull-request.js";
