import { GitHubApiError } from "./errors.js";
import type { AttestationBundle, Issue, PullRequest } from "./github-resources.js";
import { createOctokit, requestJson, type Octokit } from "./octokit.js";

export type { AttestationBundle, Issue, PullRequest } from "./github-resources.js";
export { RATE_LIMIT_RETRIES, SECONDARY_LIMIT_RETRIES } from "./octokit.js";

export interface GitHubClientOptions {
  /** `owner/name`, as GITHUB_REPOSITORY gives it. */
  repository: string;
  token: string;
  /** GITHUB_API_URL (https://api.github.com, or a GitHub Enterprise Server's /api/v3). */
  apiUrl?: string;
  userAgent?: string;
  /** Abort each call after this long (default 30 s). */
  timeoutMs?: number;
  /** Attempts after a transient failure (5xx, network), with Octokit's backoff (default 3). */
  retries?: number;
  /** The retry backoff's base, in ms (Octokit's default 1000: waits of 1 s, 4 s, 9 s). */
  retryBaseMs?: number;
  /**
   * Octokit's throttling: writes one at a time a second apart, waits out primary and secondary
   * rate limits as GitHub asks (retry-after, x-ratelimit-reset) and tries again. Default on, off
   * for an API on loopback (the local fake, where GitHub's limits do not exist).
   */
  throttle?: boolean;
  /** Where throttling and retries are told about (default: nowhere). */
  log?: (line: string) => void;
}

const MAX_PAGES = 50;
const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/** The pull request and label calls Lockstep makes, with pagination and GitHub's error bodies. */
export class GitHubClient {
  readonly owner: string;
  readonly repo: string;
  private readonly apiUrl: string;

  private readonly octokit: Octokit;

  constructor(private readonly options: GitHubClientOptions) {
    if (!REPOSITORY.test(options.repository))
      throw new TypeError(`repository must be "owner/name", got ${JSON.stringify(options.repository)}`);
    if (!options.token) throw new TypeError("a GitHub token is required");
    [this.owner, this.repo] = options.repository.split("/") as [string, string];
    this.apiUrl = (options.apiUrl || "https://api.github.com").replace(/\/+$/, "");
    this.octokit = createOctokit(options, this.apiUrl);
  }

  /** Every call goes through Octokit (@actions/github) with the retry and throttling plugins. */
  private call<T>(method: string, path: string, body?: unknown): Promise<{ data: T; link?: string }> {
    return requestJson<T>(this.octokit, method, path, body);
  }

  private get base(): string {
    return `/repos/${encodeURIComponent(this.owner)}/${encodeURIComponent(this.repo)}`;
  }

  /** Every page of a list endpoint, following the Link header's rel="next". */
  private async list<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined = path;
    for (let page = 0; next && page < MAX_PAGES; page++) {
      const answer: { data: T[]; link?: string } = await this.call<T[]>("GET", next);
      const { data, link } = answer;
      if (!Array.isArray(data)) throw new GitHubApiError(200, "GET", next, "expected a list");
      items.push(...data);
      const url: string | undefined = /<([^>]+)>;\s*rel="next"/.exec(link ?? "")?.[1];
      next = url ? url.slice(url.indexOf("/repos/")) : undefined;
    }
    return items;
  }

  /** Open pull requests from `branch` of this repository (into `base` when given). */
  openPullRequests(branch: string, base?: string): Promise<PullRequest[]> {
    const query = new URLSearchParams({ state: "open", head: `${this.owner}:${branch}`, per_page: "100" });
    if (base) query.set("base", base);
    return this.list<PullRequest>(`${this.base}/pulls?${query}`);
  }

  async createPullRequest(input: {
    title: string;
    body: string;
    head: string;
    base: string;
  }): Promise<PullRequest> {
    return (
      await this.call<PullRequest>("POST", `${this.base}/pulls`, { ...input, maintainer_can_modify: true })
    ).data;
  }

  async pullRequest(number: number): Promise<PullRequest> {
    return (await this.call<PullRequest>("GET", `${this.base}/pulls/${number}`)).data;
  }

  async updatePullRequest(number: number, input: { title?: string; body?: string }): Promise<PullRequest> {
    return (await this.call<PullRequest>("PATCH", `${this.base}/pulls/${number}`, input)).data;
  }

  /** Open issues with a label, pull requests left out. */
  async openIssues(label: string): Promise<Issue[]> {
    const query = new URLSearchParams({ state: "open", labels: label, per_page: "100" });
    return (await this.list<Issue>(`${this.base}/issues?${query}`)).filter(
      (i) => i.pull_request === undefined,
    );
  }

  /** The most recently updated issues with a label, open and closed (the first page: up to 30), pull requests left out. */
  async recentIssues(label: string): Promise<Issue[]> {
    const query = new URLSearchParams({
      state: "all",
      labels: label,
      sort: "updated",
      direction: "desc",
      per_page: "30",
    });
    const { data } = await this.call<Issue[]>("GET", `${this.base}/issues?${query}`);
    return (Array.isArray(data) ? data : []).filter((i) => i.pull_request === undefined);
  }

  /** The oldest open issue with a label whose body satisfies `matches` (a hidden marker). */
  async oldestOpenIssue(label: string, matches: (body: string) => boolean): Promise<Issue | undefined> {
    return (await this.openIssues(label))
      .filter((issue) => matches(issue.body ?? ""))
      .sort((a, b) => a.number - b.number)[0];
  }

  async createIssue(input: { title: string; body: string; labels?: string[] }): Promise<Issue> {
    return (await this.call<Issue>("POST", `${this.base}/issues`, input)).data;
  }

  async updateIssue(
    number: number,
    input: { title?: string; body?: string; state?: "open" | "closed" },
  ): Promise<Issue> {
    return (await this.call<Issue>("PATCH", `${this.base}/issues/${number}`, input)).data;
  }

  /** Starts a workflow_dispatch run (events made with the workflow token start none; this does). */
  async dispatchWorkflow(workflow: string, ref: string, inputs: Record<string, string>): Promise<void> {
    await this.call("POST", `${this.base}/actions/workflows/${encodeURIComponent(workflow)}/dispatches`, {
      ref,
      inputs,
    });
  }

  /**
   * The attestation bundles GitHub holds for an artifact (GET /repos/{o}/{r}/attestations/sha256:<hex>),
   * first page (up to 100); none when it holds none (404).
   */
  async attestations(sha256: string): Promise<AttestationBundle[]> {
    if (!/^[0-9a-f]{64}$/.test(sha256))
      throw new TypeError(`not a sha256: ${JSON.stringify(sha256.slice(0, 80))}`);
    try {
      const { data } = await this.call<{ attestations?: { bundle?: AttestationBundle }[] }>(
        "GET",
        // the colon encoded: Octokit reads `:name` in a URL as a parameter to fill in
        `${this.base}/attestations/sha256%3A${sha256}?per_page=100`,
      );
      return (data?.attestations ?? []).flatMap((a) => (a.bundle ? [a.bundle] : []));
    } catch (error) {
      if (error instanceof GitHubApiError && error.status === 404) return [];
      throw error;
    }
  }

  /** One repository resource (`path` under /repos/{o}/{r}); undefined when GitHub answers 404. */
  async repositoryGet<T>(path: string): Promise<T | undefined> {
    if (!path.startsWith("/") || path.includes(".."))
      throw new TypeError(`not a repository path: ${JSON.stringify(path.slice(0, 80))}`);
    try {
      return (await this.call<T>("GET", `${this.base}${path}`)).data;
    } catch (error) {
      if (error instanceof GitHubApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /**
   * Sets a commit status (POST /repos/{o}/{r}/statuses/{sha}): how a job that runs on the base
   * reports its verdict on a pull request's head commit, where required checks are read.
   */
  async setCommitStatus(
    sha: string,
    status: {
      state: "success" | "failure" | "error" | "pending";
      context: string;
      description: string;
      targetUrl?: string;
    },
  ): Promise<void> {
    if (!/^[0-9a-f]{40}$/.test(sha))
      throw new TypeError(`not a commit id: ${JSON.stringify(sha.slice(0, 80))}`);
    await this.call("POST", `${this.base}/statuses/${sha}`, {
      state: status.state,
      context: status.context,
      description: status.description.slice(0, 140),
      ...(status.targetUrl ? { target_url: status.targetUrl } : {}),
    });
  }

  /** Adds labels (existing ones stay; GitHub creates unknown labels). */
  async addLabels(issueNumber: number, labels: string[]): Promise<void> {
    await this.call("POST", `${this.base}/issues/${issueNumber}/labels`, { labels });
  }
}
