// Issues as GitHub answers them: the list (by state and labels), creation, an edit (issues and pull
// requests share numbers).
import { invalid, type Answer, type FakeRequest } from "./http-answers.js";
import type { FakeGitHub, FakeIssue } from "./fake-github.js";

/** GET and POST /issues, PATCH /issues/{n}. */
export function issueRoutes(fake: FakeGitHub, { method, path, url, body }: FakeRequest): Answer | undefined {
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
  return undefined;
}
