// A local stand-in for the GitHub REST endpoints Lockstep calls, shaped like the real API: the same
// paths, status codes, pagination (Link headers), and error bodies ({"message", "errors",
// "documentation_url", "status"}). Tests point GITHUB_API_URL at it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

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

const DOCS = "https://docs.github.com/rest";

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
    const now = new Date().toISOString();

    if (req.method === "GET" && path === "/pulls") {
      const state = url.searchParams.get("state") ?? "open";
      const head = url.searchParams.get("head");
      const base = url.searchParams.get("base");
      const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get("per_page") ?? 30)));
      const page = Math.max(1, Number(url.searchParams.get("page") ?? 1));
      const matching = this.pulls
        .filter((p) => state === "all" || p.state === state)
        .filter((p) => !head || `${owner}:${p.head}` === head)
        .filter((p) => !base || p.base === base)
        .sort((a, b) => b.number - a.number);
      const slice = matching.slice((page - 1) * perPage, page * perPage);
      const headers: Record<string, string> = {};
      if (page * perPage < matching.length) {
        const next = new URL(url);
        next.searchParams.set("page", String(page + 1));
        headers.link = `<${next}>; rel="next"`;
      }
      return send(
        res,
        200,
        slice.map((p) => this.view(p)),
        headers,
      );
    }
    if (req.method === "POST" && path === "/pulls") {
      const input = (body ?? {}) as Record<string, unknown>;
      const missing = ["title", "head", "base"].filter((k) => typeof input[k] !== "string" || !input[k]);
      if (missing.length > 0)
        return send(res, 422, {
          message: "Invalid request.",
          errors: missing.map((field) => ({ resource: "PullRequest", field, code: "missing_field" })),
          documentation_url: DOCS,
          status: "422",
        });
      const head = input.head as string;
      const base = input.base as string;
      if (this.options.branchExists && !(await this.options.branchExists(head)))
        return send(res, 422, {
          message: "Validation Failed",
          errors: [{ resource: "PullRequest", field: "head", code: "invalid" }],
          documentation_url: DOCS,
          status: "422",
        });
      if (this.pulls.some((p) => p.state === "open" && p.head === head && p.base === base))
        return send(res, 422, {
          message: "Validation Failed",
          errors: [
            {
              resource: "PullRequest",
              code: "custom",
              message: `A pull request already exists for ${owner}:${head}.`,
            },
          ],
          documentation_url: DOCS,
          status: "422",
        });
      const pull: FakePull = {
        number: this.pulls.length + 1,
        state: "open",
        title: input.title as string,
        body: typeof input.body === "string" ? input.body : null,
        head,
        base,
        labels: [],
        created_at: now,
        updated_at: now,
      };
      this.pulls.push(pull);
      return send(res, 201, this.view(pull));
    }
    const issueAnswer = issueRoutes(this, req.method!, path, url, body);
    if (issueAnswer) return send(res, issueAnswer.status, issueAnswer.body);
    // repository settings a test sets, answered as GitHub answers them (absent: 404)
    if (req.method === "GET" && this.settings.has(decodeURIComponent(path)))
      return send(res, 200, this.settings.get(decodeURIComponent(path)));
    const one = /^\/pulls\/(\d+)$/.exec(path);
    const labels = /^\/issues\/(\d+)\/labels$/.exec(path);
    const pull = this.pulls.find((p) => p.number === Number((one ?? labels)?.[1]));
    if ((one || labels) && !pull)
      return send(res, 404, { message: "Not Found", documentation_url: DOCS, status: "404" });
    if (req.method === "GET" && one) return send(res, 200, this.view(pull!));
    if (req.method === "PATCH" && one) {
      const input = (body ?? {}) as Record<string, unknown>;
      if (typeof input.title === "string") pull!.title = input.title;
      if (typeof input.body === "string") pull!.body = input.body;
      if (input.state === "open" || input.state === "closed") pull!.state = input.state;
      pull!.updated_at = now;
      return send(res, 200, this.view(pull!));
    }
    if (req.method === "POST" && labels) {
      const input = (body ?? {}) as { labels?: unknown };
      if (!Array.isArray(input.labels) || !input.labels.every((l) => typeof l === "string"))
        return send(res, 422, { message: "Invalid request.", documentation_url: DOCS, status: "422" });
      for (const label of input.labels as string[])
        if (!pull!.labels.includes(label)) pull!.labels.push(label);
      return send(
        res,
        200,
        pull!.labels.map((name) => ({ name })),
      );
    }
    return send(res, 404, { message: "Not Found", documentation_url: DOCS, status: "404" });
  }
}

const invalid = (message: string) => ({
  status: 422,
  body: { message, documentation_url: DOCS, status: "422" },
});

/** Issues and workflow dispatches, as GitHub answers them (issues and pull requests share numbers). */
function issueRoutes(
  fake: FakeGitHub,
  method: string,
  path: string,
  url: URL,
  body: unknown,
): { status: number; body: unknown } | undefined {
  const { owner, repo } = fake.repository;
  const view = (i: FakeIssue) => ({
    ...i,
    html_url: `https://github.com/${owner}/${repo}/issues/${i.number}`,
    labels: i.labels.map((name) => ({ name })),
  });
  if (method === "GET" && path === "/issues") {
    const state = url.searchParams.get("state") ?? "open";
    const labels = (url.searchParams.get("labels") ?? "").split(",").filter(Boolean);
    return {
      status: 200,
      body: fake.issues
        .filter((i) => state === "all" || i.state === state)
        .filter((i) => labels.every((l) => i.labels.includes(l)))
        .map(view),
    };
  }
  const input = (body ?? {}) as Record<string, unknown>;
  if (method === "POST" && path === "/issues") {
    if (typeof input.title !== "string" || !input.title)
      return invalid("Validation Failed: title is missing");
    const issue: FakeIssue = {
      number: fake.pulls.length + fake.issues.length + 1,
      state: "open",
      title: input.title,
      body: typeof input.body === "string" ? input.body : null,
      labels: Array.isArray(input.labels)
        ? input.labels.filter((l): l is string => typeof l === "string")
        : [],
    };
    fake.issues.push(issue);
    return { status: 201, body: view(issue) };
  }
  const one = /^\/issues\/(\d+)$/.exec(path);
  if (one && method === "PATCH") {
    const issue = fake.issues.find((i) => i.number === Number(one[1]));
    if (!issue) return undefined;
    if (typeof input.title === "string") issue.title = input.title;
    if (typeof input.body === "string") {
      if (input.body.length > 65_536)
        return invalid("Validation Failed: body is too long (maximum is 65536 characters)");
      issue.body = input.body;
    }
    if (input.state === "open" || input.state === "closed") issue.state = input.state;
    return { status: 200, body: view(issue) };
  }
  const dispatch = /^\/actions\/workflows\/([^/]+)\/dispatches$/.exec(path);
  if (dispatch && method === "POST") {
    if (typeof input.ref !== "string") return invalid("Invalid request: ref is missing");
    const refused = dispatchRefusal(fake.declared, decodeURIComponent(dispatch[1]!), input.inputs);
    if (refused) return refused;
    fake.dispatches.push({
      workflow: decodeURIComponent(dispatch[1]!),
      ref: input.ref,
      inputs: (input.inputs ?? {}) as Record<string, string>,
    });
    return { status: 204, body: "" };
  }
  if (path === "/dispatches" && method === "POST") {
    if (typeof input.event_type !== "string" || !input.event_type)
      return invalid("Invalid request: event_type is missing");
    const declared = Object.values(fake.declared ?? {});
    if (
      fake.declared &&
      !declared.some(
        (w) =>
          w.repositoryDispatchTypes &&
          (w.repositoryDispatchTypes.length === 0 ||
            w.repositoryDispatchTypes.includes(input.event_type as string)),
      )
    )
      // GitHub answers 204 and starts nothing; the fake refuses so a test sees the mistake
      return invalid(`No workflow listens for repository_dispatch type "${input.event_type}"`);
    fake.repositoryDispatches.push({
      event_type: input.event_type,
      client_payload: input.client_payload ?? {},
    });
    return { status: 204, body: "" };
  }
  const status = /^\/statuses\/([0-9a-f]{40})$/.exec(path);
  if (status && method === "POST") {
    if (!["success", "failure", "error", "pending"].includes(String(input.state)))
      return invalid("Validation Failed: state is not included in the list");
    if (typeof input.description === "string" && input.description.length > 140)
      return invalid("Validation Failed: description is too long (maximum is 140 characters)");
    const entry = {
      state: String(input.state),
      context: typeof input.context === "string" ? input.context : "default",
      description: String(input.description ?? ""),
      ...(typeof input.target_url === "string" ? { target_url: input.target_url } : {}),
    };
    fake.statuses.set(status[1]!, [...(fake.statuses.get(status[1]!) ?? []), entry]);
    return { status: 201, body: { id: 1, ...entry } };
  }
  const attestation = /^\/attestations\/([^/]+)$/.exec(path);
  if (attestation && method === "GET") {
    const digest = decodeURIComponent(attestation[1]!);
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) return invalid("Invalid subject digest");
    const bundles = fake.attestations.get(digest);
    if (!bundles?.length)
      return { status: 404, body: { message: "Not Found", documentation_url: DOCS, status: "404" } };
    return {
      status: 200,
      body: { attestations: bundles.map((bundle) => ({ bundle, repository_id: 1, bundle_url: null })) },
    };
  }
  return undefined;
}

/** GitHub's answers to a workflow_dispatch it would refuse: no such workflow, no trigger, inputs it does not declare. */
function dispatchRefusal(
  declared: Record<string, DeclaredWorkflow> | undefined,
  workflow: string,
  given: unknown,
): { status: number; body: unknown } | undefined {
  if (!declared) return undefined;
  const file = declared[workflow];
  if (!file) return { status: 404, body: { message: "Not Found", documentation_url: DOCS, status: "404" } };
  if (!file.dispatch) return invalid("Workflow does not have 'workflow_dispatch' trigger");
  const inputs = (given ?? {}) as Record<string, unknown>;
  const unexpected = Object.keys(inputs).filter((name) => !Object.hasOwn(file.dispatch!.inputs, name));
  if (unexpected.length > 0) return invalid(`Unexpected inputs provided: ${JSON.stringify(unexpected)}`);
  for (const [name, spec] of Object.entries(file.dispatch.inputs)) {
    const value = inputs[name];
    if (spec.required && (value === undefined || value === ""))
      return invalid(`Required input '${name}' not provided`);
    if (value !== undefined && spec.options && !spec.options.includes(String(value)))
      return invalid(
        `Provided value '${String(value)}' for input '${name}' not in the list of allowed values`,
      );
  }
  return undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (text += chunk));
    req.on("end", () => resolve(text));
    req.on("error", reject);
  });
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (status === 204) {
    res.writeHead(204, headers).end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
}
export { declaredWorkflows } from "./declared-workflows.js";

/**
 * The in-toto statement actions/attest-build-provenance records for an artifact (SLSA provenance
 * v1, its predicate's layout), built by `workflow` of `repository` at `ref`.
 */
export function provenanceStatement(
  sha256: string,
  options: { repository?: string; workflow?: string; ref?: string; commit?: string; run?: string } = {},
) {
  const repository = options.repository ?? "https://github.com/acme/models";
  const ref = options.ref ?? "refs/heads/main";
  return {
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ name: `${sha256}.onnx`, digest: { sha256 } }],
    predicateType: "https://slsa.dev/provenance/v1",
    predicate: {
      buildDefinition: {
        buildType: "https://actions.github.io/buildtypes/workflow/v1",
        externalParameters: {
          workflow: { ref, repository, path: options.workflow ?? ".github/workflows/train.yml" },
        },
        resolvedDependencies: options.commit
          ? [{ uri: `git+${repository}@${ref}`, digest: { gitCommit: options.commit } }]
          : [],
      },
      runDetails: {
        builder: { id: `${repository}/.github/workflows/train.yml@${ref}` },
        metadata: { invocationId: options.run ?? `${repository}/actions/runs/42/attempts/1` },
      },
    },
  };
}
