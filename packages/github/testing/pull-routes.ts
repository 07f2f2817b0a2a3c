// Pull requests as GitHub answers them: the list (filters, Link-header pagination), creation (missing
// fields, unknown head branch, a duplicate open pull request: 422), one pull request, its labels.
import { DOCS, type Answer, type FakeRequest } from "./http-answers.js";
import type { FakeGitHub, FakePull } from "./fake-github.js";

/** GET and POST /pulls. */
export async function pullListRoutes(
  fake: FakeGitHub,
  branchExists: ((branch: string) => boolean | Promise<boolean>) | undefined,
  { method, path, url, body, now }: FakeRequest,
): Promise<Answer | undefined> {
  const { owner } = fake.repository;
  if (method === "GET" && path === "/pulls") {
    const state = url.searchParams.get("state") ?? "open";
    const head = url.searchParams.get("head");
    const base = url.searchParams.get("base");
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get("per_page") ?? 30)));
    const page = Math.max(1, Number(url.searchParams.get("page") ?? 1));
    const matching = fake.pulls
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
    return { status: 200, body: slice.map((p) => fake.view(p)), headers };
  }
  if (method === "POST" && path === "/pulls") {
    const input = (body ?? {}) as Record<string, unknown>;
    const missing = ["title", "head", "base"].filter((k) => typeof input[k] !== "string" || !input[k]);
    if (missing.length > 0)
      return {
        status: 422,
        body: {
          message: "Invalid request.",
          errors: missing.map((field) => ({ resource: "PullRequest", field, code: "missing_field" })),
          documentation_url: DOCS,
          status: "422",
        },
      };
    const head = input.head as string;
    const base = input.base as string;
    if (branchExists && !(await branchExists(head)))
      return {
        status: 422,
        body: {
          message: "Validation Failed",
          errors: [{ resource: "PullRequest", field: "head", code: "invalid" }],
          documentation_url: DOCS,
          status: "422",
        },
      };
    if (fake.pulls.some((p) => p.state === "open" && p.head === head && p.base === base))
      return {
        status: 422,
        body: {
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
        },
      };
    const pull: FakePull = {
      number: fake.pulls.length + 1,
      state: "open",
      title: input.title as string,
      body: typeof input.body === "string" ? input.body : null,
      head,
      base,
      labels: [],
      created_at: now,
      updated_at: now,
    };
    fake.pulls.push(pull);
    return { status: 201, body: fake.view(pull) };
  }
  return undefined;
}

/** GET and PATCH /pulls/{n}, POST /issues/{n}/labels (on a pull request); an unknown number: 404. */
export function pullRoutes(fake: FakeGitHub, { method, path, body, now }: FakeRequest): Answer | undefined {
  const one = /^\/pulls\/(\d+)$/.exec(path);
  const labels = /^\/issues\/(\d+)\/labels$/.exec(path);
  const pull = fake.pulls.find((p) => p.number === Number((one ?? labels)?.[1]));
  if ((one || labels) && !pull)
    return { status: 404, body: { message: "Not Found", documentation_url: DOCS, status: "404" } };
  if (method === "GET" && one) return { status: 200, body: fake.view(pull!) };
  if (method === "PATCH" && one) {
    const input = (body ?? {}) as Record<string, unknown>;
    if (typeof input.title === "string") pull!.title = input.title;
    if (typeof input.body === "string") pull!.body = input.body;
    if (input.state === "open" || input.state === "closed") pull!.state = input.state;
    pull!.updated_at = now;
    return { status: 200, body: fake.view(pull!) };
  }
  if (method === "POST" && labels) {
    const input = (body ?? {}) as { labels?: unknown };
    if (!Array.isArray(input.labels) || !input.labels.every((l) => typeof l === "string"))
      return { status: 422, body: { message: "Invalid request.", documentation_url: DOCS, status: "422" } };
    for (const label of input.labels as string[]) if (!pull!.labels.includes(label)) pull!.labels.push(label);
    return { status: 200, body: pull!.labels.map((name) => ({ name })) };
  }
  return undefined;
}
