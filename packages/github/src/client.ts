import { GitHubApiError, type GitHubValidationError } from "./errors.js";

export interface GitHubClientOptions {
  /** `owner/name`, as GITHUB_REPOSITORY gives it. */
  repository: string;
  token: string;
  /** GITHUB_API_URL (https://api.github.com, or a GitHub Enterprise Server's /api/v3). */
  apiUrl?: string;
  userAgent?: string;
  /** Abort each call after this long (default 30 s). */
  timeoutMs?: number;
}

export interface PullRequest {
  number: number;
  html_url: string;
  state: "open" | "closed";
  title: string;
  body: string | null;
  head: { ref: string; sha: string; label: string };
  base: { ref: string };
  labels: { name: string }[];
}

export interface Issue {
  number: number;
  html_url: string;
  state: "open" | "closed";
  title: string;
  body: string | null;
  labels: { name: string }[];
  /** Present when the "issue" is a pull request (the issues API lists both). */
  pull_request?: unknown;
}

const MAX_PAGES = 50;
const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/** The pull request and label calls Lockstep makes, with pagination and GitHub's error bodies. */
/** A Sigstore bundle as the attestations API lists it; the statement is the DSSE envelope's payload. */
export interface AttestationBundle {
  mediaType?: string;
  dsseEnvelope?: { payload?: string; payloadType?: string };
}

export class GitHubClient {
  readonly owner: string;
  readonly repo: string;
  private readonly apiUrl: string;

  constructor(private readonly options: GitHubClientOptions) {
    if (!REPOSITORY.test(options.repository))
      throw new TypeError(`repository must be "owner/name", got ${JSON.stringify(options.repository)}`);
    if (!options.token) throw new TypeError("a GitHub token is required");
    [this.owner, this.repo] = options.repository.split("/") as [string, string];
    this.apiUrl = (options.apiUrl ?? "https://api.github.com").replace(/\/+$/, "");
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<{ data: T; link?: string }> {
    const response = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers: {
        accept: "application/vnd.github+json",
        authorization: `Bearer ${this.options.token}`,
        "user-agent": this.options.userAgent ?? "lockstep",
        "x-github-api-version": "2022-11-28",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
    });
    const text = await response.text();
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    if (!response.ok) {
      const error = (data ?? {}) as { message?: unknown; errors?: unknown };
      throw new GitHubApiError(
        response.status,
        method,
        path,
        typeof error.message === "string" ? error.message : response.statusText || "no message",
        Array.isArray(error.errors) ? (error.errors as GitHubValidationError[]) : [],
      );
    }
    if (data === undefined && text)
      throw new GitHubApiError(response.status, method, path, "the answer is not JSON");
    return { data: data as T, link: response.headers.get("link") ?? undefined };
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
        `${this.base}/attestations/sha256:${sha256}?per_page=100`,
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

  /** Adds labels (existing ones stay; GitHub creates unknown labels). */
  async addLabels(issueNumber: number, labels: string[]): Promise<void> {
    await this.call("POST", `${this.base}/issues/${issueNumber}/labels`, { labels });
  }
}
