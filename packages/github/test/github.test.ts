import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeGitHub } from "../testing/fake-github.js";
import { GitHubApiError, GitHubClient, upsertPullRequest, type PullRequestContent } from "../src/index.js";

const TOKEN = "ghs_test";
let github: FakeGitHub;
let client: GitHubClient;

beforeEach(async () => {
  github = new FakeGitHub({ owner: "acme", repo: "models", token: TOKEN });
  const apiUrl = await github.start();
  // Octokit's retries, with a 1 ms backoff base so a test does not sit out GitHub's seconds
  client = new GitHubClient({ repository: "acme/models", token: TOKEN, apiUrl, retryBaseMs: 1 });
});
afterEach(() => github.stop());

const content = (body = "metrics v1"): PullRequestContent => ({
  branch: "lockstep/co2-forecast/production",
  title: "co2-forecast (production): v2 → v3",
  body,
  labels: ["model-bump", "co2-forecast"],
});

describe("upsertPullRequest", () => {
  it("opens the pull request once, then edits it in place: no duplicates, no comments", async () => {
    const first = await upsertPullRequest(client, content(), "main");
    expect(first).toMatchObject({
      action: "created",
      number: 1,
      url: "https://github.com/acme/models/pull/1",
    });
    expect(github.pulls[0]!.labels).toEqual(["model-bump", "co2-forecast"]);
    const again = await upsertPullRequest(client, content(), "main");
    expect(again.action).toBe("unchanged");
    const updated = await upsertPullRequest(client, content("metrics v2"), "main");
    expect(updated).toMatchObject({ action: "updated", number: 1 });
    expect(github.pulls).toHaveLength(1);
    expect(github.pulls[0]!.body).toBe("metrics v2");
    expect(github.calls.filter((c) => c.path.includes("/comments"))).toEqual([]);
    // labels are added once, never re-posted
    expect(github.calls.filter((c) => c.path.endsWith("/labels"))).toHaveLength(1);
  });

  it("two runs racing end with one pull request holding the last body", async () => {
    const results = await Promise.all([
      upsertPullRequest(client, content("run A"), "main"),
      upsertPullRequest(client, content("run B"), "main"),
    ]);
    expect(github.pulls).toHaveLength(1);
    expect(results.map((r) => r.number)).toEqual([1, 1]);
    expect(results.map((r) => r.action).sort()).toEqual(["created", "updated"]);
  });

  it("ignores a closed pull request from the same branch and opens a new one", async () => {
    await upsertPullRequest(client, content(), "main");
    github.pulls[0]!.state = "closed";
    const next = await upsertPullRequest(client, content(), "main");
    expect(next).toMatchObject({ action: "created", number: 2 });
  });

  it("follows pagination to find its pull request", async () => {
    for (let i = 0; i < 130; i++)
      github.pulls.push({
        number: i + 1,
        state: "open",
        title: `t${i}`,
        body: null,
        head: i === 0 ? content().branch : `other-${i}`,
        base: "main",
        labels: [],
        created_at: "",
        updated_at: "",
      });
    // the fake filters by head like GitHub; ask the unfiltered list to exercise the Link header
    const all = await (client as unknown as { list(p: string): Promise<unknown[]> }).list(
      "/repos/acme/models/pulls?state=open&per_page=50",
    );
    expect(all).toHaveLength(130);
    expect((await upsertPullRequest(client, content(), "main")).number).toBe(1);
  });

  it.each([
    [
      403,
      "Resource not accessible by integration",
      /403: Resource not accessible by integration.*pull-requests: write/,
    ],
    [401, "Bad credentials", /401: Bad credentials — the token is missing/],
    [500, "Server Error", /500: Server Error/],
  ])("fails with a clear message on %i", async (status, message, expected) => {
    // a 5xx is retried (three times): it fails only when it persists
    for (let i = 0; i < (status >= 500 ? 4 : 1); i++) github.failNext("POST", /\/pulls$/, status, message);
    const error = await upsertPullRequest(client, content(), "main").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubApiError);
    expect((error as GitHubApiError).status).toBe(status);
    expect((error as Error).message).toMatch(expected);
    expect((error as Error).message).not.toContain(TOKEN);
  });

  it("retries a transient failure and a secondary rate limit, waits out the primary one, as GitHub documents", async () => {
    github.failNext("POST", /\/pulls$/, 502, "Bad Gateway");
    expect((await upsertPullRequest(client, content(), "main")).action).toBe("created");
    expect(github.calls.filter((c) => c.method === "POST" && c.path.endsWith("/pulls"))).toHaveLength(2);
    // rate limits are Octokit throttling's: waits as retry-after / x-ratelimit-reset say, then tries again
    const waits: string[] = [];
    const throttled = new GitHubClient({
      repository: "acme/models",
      token: TOKEN,
      apiUrl: github.url,
      throttle: true,
      log: (line) => waits.push(line),
    });
    github.secondaryLimitNext("PATCH", /\/pulls\/1$/, 1);
    expect((await throttled.updatePullRequest(1, { body: "again" })).body).toBe("again");
    github.rateLimitNext("GET", /\/pulls$/, 1);
    expect(await throttled.openPullRequests("lockstep/co2-forecast/production")).toHaveLength(1);
    expect(waits).toEqual([
      expect.stringMatching(/^GitHub's secondary rate limit: PATCH .*\/pulls\/1 waits 1 s$/),
      expect.stringMatching(/^GitHub's rate limit: GET .*\/pulls.* waits \d s \(attempt 1\)$/),
    ]);
    // a 404 or 422 is an answer, never retried
    github.failNext("PATCH", /\/pulls\/1$/, 404, "Not Found");
    await expect(client.updatePullRequest(1, { body: "x" })).rejects.toMatchObject({ status: 404 });
    expect(github.calls.filter((c) => c.method === "PATCH")).toHaveLength(3);
  });

  it("reports GitHub's validation errors (422) in the message", async () => {
    github.failNext("POST", /\/pulls$/, 422, "Validation Failed", [
      { resource: "PullRequest", field: "head", code: "invalid" },
    ]);
    await expect(upsertPullRequest(client, content(), "main")).rejects.toThrow(
      /422: Validation Failed \(PullRequest head invalid\)/,
    );
  });

  it("refuses to work without a usable repository or token, and with a wrong token", async () => {
    expect(() => new GitHubClient({ repository: "no-slash", token: TOKEN })).toThrow(/owner\/name/);
    expect(() => new GitHubClient({ repository: "a/b/c", token: TOKEN })).toThrow(/owner\/name/);
    expect(() => new GitHubClient({ repository: "a/b", token: "" })).toThrow(/token/);
    const wrong = new GitHubClient({ repository: "acme/models", token: "nope", apiUrl: github.url });
    await expect(wrong.openPullRequests("x")).rejects.toMatchObject({ status: 401 });
  });

  it("says so when something other than the API answers (a proxy's HTML page)", async () => {
    const proxy = createServer((_, res) => {
      res.writeHead(502, { "content-type": "text/html" });
      res.end("<html><body>Bad Gateway</body></html>");
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    try {
      const port = (proxy.address() as AddressInfo).port;
      const behind = new GitHubClient({
        repository: "acme/models",
        token: TOKEN,
        apiUrl: `http://127.0.0.1:${port}`,
        retryBaseMs: 1,
      });
      await expect(behind.openPullRequests("x")).rejects.toThrow(
        /GET \/repos\/acme\/models\/pulls.* answered 502: Bad Gateway/,
      );
    } finally {
      proxy.close();
    }
  });
});
