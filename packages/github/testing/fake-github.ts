// A local stand-in for the GitHub REST endpoints Lockstep calls, shaped like the real API: the same
// paths, status codes, pagination (Link headers), and error bodies ({"message", "errors",
// "documentation_url", "status"}). Tests point GITHUB_API_URL at it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { attestationRoutes } from "./attestation-routes.js";
import { dispatchRoutes } from "./dispatch-routes.js";
import { DOCS, readBody, send, type Answer } from "./http-answers.js";
import { issueRoutes } from "./issue-routes.js";
import { pullListRoutes, pullRoutes } from "./pull-routes.js";
import { statusRoutes } from "./status-routes.js";

export { declaredWorkflows } from "./declared-workflows.js";
export { provenanceStatement } from "./provenance-statement.js";

export interface FakePull {
  number: number;
  state: "open" | "closed";
  title: string;
  body: string | null;
  head: string;
  base: string;
  labels: string[];
  created_at: string;
  updated_at: string;
}

export interface FakeIssue {
  number: number;
  state: "open" | "closed";
  title: string;
  body: string | null;
  labels: string[];
}

export interface RecordedCall {
  method: string;
  path: string;
  body?: unknown;
}

/** What a workflow file declares for dispatches: its workflow_dispatch inputs and repository_dispatch types. */
export interface DeclaredWorkflow {
  /** Absent: the workflow has no workflow_dispatch trigger. */
  dispatch?: { inputs: Record<string, { required?: boolean; options?: string[] }> };
  /** Absent: no repository_dispatch trigger; empty: any type. */
  repositoryDispatchTypes?: string[];
}

export interface FakeGitHubOptions {
  owner: string;
  repo: string;
  token: string;
  /**
   * The repository's workflows by file name (declaredWorkflows(root) reads them from
   * .github/workflows): dispatches are then checked as GitHub checks them. Absent: any is taken.
   */
  workflows?: Record<string, DeclaredWorkflow>;
  /** Branches that exist (a pull request from any other head is refused with 422). */
  branchExists?: (branch: string) => boolean | Promise<boolean>;
}

export class FakeGitHub {
  readonly pulls: FakePull[] = [];
  readonly issues: FakeIssue[] = [];
  readonly dispatches: { workflow: string; ref: string; inputs: Record<string, string> }[] = [];
  readonly repositoryDispatches: { event_type: string; client_payload: unknown }[] = [];
  /** Commit statuses by sha, newest last, as POST /statuses/{sha} records them. */
  readonly statuses = new Map<
    string,
    { state: string; context: string; description: string; target_url?: string }[]
  >();
  /** Settings resources by path under /repos/{o}/{r} (e.g. "/environments"), as the settings endpoints answer. */
  readonly settings = new Map<string, unknown>();
  /** Attestation bundles by subject digest ("sha256:<hex>"), as GET /attestations/{digest} lists them. */
  readonly attestations = new Map<string, unknown[]>();
  readonly calls: RecordedCall[] = [];
  private server: Server | undefined;
  private failures: {
    method: string;
    path: RegExp;
    status: number;
    body: unknown;
    headers: Record<string, string>;
  }[] = [];
  url = "";

  constructor(private readonly options: FakeGitHubOptions) {}

  get declared(): Record<string, DeclaredWorkflow> | undefined {
    return this.options.workflows;
  }

  /** Records an attestation as actions/attest-build-provenance would: a DSSE envelope over an in-toto statement. */
  addAttestation(
    statement: { subject: { name: string; digest: { sha256: string } }[] } & Record<string, unknown>,
  ): void {
    const bundle = {
      mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
      verificationMaterial: {},
      dsseEnvelope: {
        payload: Buffer.from(JSON.stringify(statement)).toString("base64"),
        payloadType: "application/vnd.in-toto+json",
        signatures: [{ sig: "" }],
      },
    };
    for (const subject of statement.subject) {
      const digest = `sha256:${subject.digest.sha256}`;
      this.attestations.set(digest, [...(this.attestations.get(digest) ?? []), bundle]);
    }
  }

  get repository(): { owner: string; repo: string } {
    return { owner: this.options.owner, repo: this.options.repo };
  }

  /** The next call matching method and path gets this status and body instead (once). */
  failNext(
    method: string,
    path: RegExp,
    status: number,
    message: string,
    errors?: unknown[],
    headers: Record<string, string> = {},
  ): void {
    this.failures.push({
      method,
      path,
      status,
      body: { message, ...(errors ? { errors } : {}), documentation_url: DOCS, status: String(status) },
      headers,
    });
  }

  /** GitHub's primary rate limit on the next matching call: 403, x-ratelimit-remaining 0 and a reset time. */
  rateLimitNext(method: string, path: RegExp, resetInSeconds = 1): void {
    this.failNext(method, path, 403, "API rate limit exceeded for installation.", undefined, {
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + resetInSeconds),
    });
  }

  /** A secondary rate limit on the next matching call: 403 with retry-after, as GitHub sends it. */
  secondaryLimitNext(method: string, path: RegExp, retryAfterSeconds = 1): void {
    this.failNext(
      method,
      path,
      403,
      "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
      undefined,
      { "retry-after": String(retryAfterSeconds) },
    );
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        send(res, 500, { message: (error as Error).message });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server!.close(resolve));
  }

  /** A pull request as the API shows it. */
  view(pull: FakePull) {
    const { owner, repo } = this.options;
    return {
      url: `${this.url}/repos/${owner}/${repo}/pulls/${pull.number}`,
      html_url: `https://github.com/${owner}/${repo}/pull/${pull.number}`,
      number: pull.number,
      state: pull.state,
      title: pull.title,
      body: pull.body,
      labels: pull.labels.map((name) => ({ name })),
      head: { label: `${owner}:${pull.head}`, ref: pull.head, sha: "0".repeat(40) },
      base: { label: `${owner}:${pull.base}`, ref: pull.base },
      created_at: pull.created_at,
      updated_at: pull.updated_at,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url!, this.url);
    const raw = await readBody(req);
    let body: unknown;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        return send(res, 400, { message: "Problems parsing JSON", documentation_url: DOCS, status: "400" });
      }
    }
    this.calls.push({ method: req.method!, path: url.pathname + url.search, ...(raw ? { body } : {}) });
    const auth = req.headers.authorization ?? "";
    if (auth !== `Bearer ${this.options.token}` && auth !== `token ${this.options.token}`)
      return send(res, 401, { message: "Bad credentials", documentation_url: DOCS, status: "401" });
    const failure = this.failures.findIndex((f) => f.method === req.method && f.path.test(url.pathname));
    if (failure >= 0) {
      const [f] = this.failures.splice(failure, 1);
      return send(res, f!.status, f!.body, f!.headers);
    }
    const { owner, repo } = this.options;
    const prefix = `/repos/${owner}/${repo}`;
    if (!url.pathname.startsWith(`${prefix}/`))
      return send(res, 404, { message: "Not Found", documentation_url: DOCS, status: "404" });
    const path = url.pathname.slice(prefix.length);
    const request = { method: req.method!, path, url, body, now: new Date().toISOString() };

    // the routes by resource, in this order: the first that knows the request answers it
    const answer: Answer | undefined =
      (await pullListRoutes(this, this.options.branchExists, request)) ??
      issueRoutes(this, request) ??
      dispatchRoutes(this, request) ??
      statusRoutes(this, request) ??
      attestationRoutes(this, request) ??
      // repository settings a test sets, answered as GitHub answers them (absent: 404)
      (req.method === "GET" && this.settings.has(decodeURIComponent(path))
        ? { status: 200, body: this.settings.get(decodeURIComponent(path)) }
        : undefined) ??
      pullRoutes(this, request);
    if (answer) return send(res, answer.status, answer.body, answer.headers);
    return send(res, 404, { message: "Not Found", documentation_url: DOCS, status: "404" });
  }
}
