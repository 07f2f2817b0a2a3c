import type { GitHubClient, PullRequest } from "./client.js";
import { GitHubApiError } from "./errors.js";

export interface PullRequestContent {
  branch: string;
  title: string;
  body: string;
  labels: string[];
}

export interface UpsertResult {
  action: "created" | "updated" | "unchanged";
  number: number;
  url: string;
}

/**
 * Opens the pull request from `content.branch` into `base`, or brings the open one up to date in
 * place: one pull request per branch, edited rather than commented on. A run that loses the race
 * to create it (GitHub answers 422 "already exists") updates the winner's instead.
 */
export async function upsertPullRequest(
  client: GitHubClient,
  content: PullRequestContent,
  base: string,
): Promise<UpsertResult> {
  const find = async () => (await client.openPullRequests(content.branch, base))[0];
  let pull: PullRequest | undefined = await find();
  let action: UpsertResult["action"] = "unchanged";
  if (!pull) {
    try {
      pull = await client.createPullRequest({
        title: content.title,
        body: content.body,
        head: content.branch,
        base,
      });
      action = "created";
    } catch (error) {
      if (!(error instanceof GitHubApiError && error.pullRequestExists)) throw error;
      pull = await find();
      if (!pull) throw error;
    }
  }
  if (action !== "created" && (pull.title !== content.title || (pull.body ?? "") !== content.body)) {
    pull = await client.updatePullRequest(pull.number, { title: content.title, body: content.body });
    action = "updated";
  }
  const missing = content.labels.filter((label) => !pull.labels.some((l) => l.name === label));
  if (missing.length > 0) await client.addLabels(pull.number, missing);
  return { action, number: pull.number, url: pull.html_url };
}
