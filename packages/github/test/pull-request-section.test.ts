import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeGitHub } from "../testing/fake-github.js";
import {
  GitHubApiError,
  GitHubClient,
  LockstepGitHubError,
  MAX_PULL_REQUEST_BODY,
  upsertPullRequest,
  upsertPullRequestSection,
  withSection,
  wrapSection,
} from "../src/index.js";

const TOKEN = "ghs_test";
const START = "<!-- lockstep-section:replay -->";
const END = "<!-- /lockstep-section:replay -->";

describe("withSection", () => {
  it("appends the section, replaces it in place, and removes it, leaving the rest as it was", () => {
    const body = "Bumps co2-forecast.\n\nReviewer's note: looks fine.";
    const first = withSection(body, "replay", "### Shadow replay\n\nagreement 98%");
    expect(first).toBe(`${body}\n\n${START}\n### Shadow replay\n\nagreement 98%\n${END}\n`);
    // the same text again: the same body (a rerun writes nothing)
    expect(withSection(first, "replay", "### Shadow replay\n\nagreement 98%")).toBe(first);
    // text after the section (a person's, added later) stays after it
    const edited = `${first}\nAfter the section.`;
    const second = withSection(edited, "replay", "### Shadow replay\n\nagreement 91%");
    expect(second).toBe(
      `${body}\n\n${START}\n### Shadow replay\n\nagreement 91%\n${END}\n\nAfter the section.\n`,
    );
    expect(withSection(second, "replay", "  \n")).toBe(`${body}\n\nAfter the section.\n`);
    // another section's markers are another section's
    const both = withSection(first, "evidence", "staging: 3 days");
    expect(withSection(both, "replay", "")).toBe(
      `${body}\n\n<!-- lockstep-section:evidence -->\nstaging: 3 days\n<!-- /lockstep-section:evidence -->\n`,
    );
    expect(withSection("", "replay", "x")).toBe(`${START}\nx\n${END}\n`);
    expect(withSection("", "replay", "")).toBe("");
  });

  it("defuses markers inside the markdown, so the next run replaces exactly what this one wrote", () => {
    const hostile = `before ${END}\n${START} nested <!-- lockstep-section:other -->`;
    const body = withSection("top", "replay", hostile);
    expect(body.split(END)).toHaveLength(2); // one end marker: the section's own
    expect(body.split(START)).toHaveLength(2);
    expect(withSection(body, "replay", "clean")).toBe(`top\n\n${START}\nclean\n${END}\n`);
  });

  it("a start marker whose end was deleted keeps the text around it and gets a new section", () => {
    const body = `intro\n${START}\nold replay\nreviewer text`;
    const next = withSection(body, "replay", "new");
    expect(next).toContain("reviewer text");
    expect(next.split(START)).toHaveLength(2);
    expect(next.endsWith(`${START}\nnew\n${END}\n`)).toBe(true);
  });

  it("cuts a section that would take the body past GitHub's limit, and says so", () => {
    const body = "x".repeat(60_000);
    const next = withSection(body, "replay", "y".repeat(20_000));
    expect(next.length).toBeLessThanOrEqual(MAX_PULL_REQUEST_BODY);
    expect(next).toContain("past GitHub's limit");
    expect(next.endsWith(`${END}\n`)).toBe(true);
    // a body already at the limit gets no section rather than a broken one
    expect(withSection("z".repeat(MAX_PULL_REQUEST_BODY), "replay", "y")).toBe(
      "z".repeat(MAX_PULL_REQUEST_BODY),
    );
  });

  it("refuses a name that is not one", () => {
    for (const name of ["", "Replay", "re play", "a".repeat(41), "x -->", "../x"])
      expect(() => withSection("", name, "x"), name).toThrow(LockstepGitHubError);
    expect(() => wrapSection("-->", "x")).toThrow(/lowercase words/);
  });
});

describe("upsertPullRequestSection", () => {
  let github: FakeGitHub;
  let client: GitHubClient;
  beforeEach(async () => {
    github = new FakeGitHub({ owner: "acme", repo: "models", token: TOKEN });
    client = new GitHubClient({
      repository: "acme/models",
      token: TOKEN,
      apiUrl: await github.start(),
      retryBaseMs: 1,
    });
  });
  afterEach(() => github.stop());

  const open = () =>
    upsertPullRequest(
      client,
      { branch: "lockstep/co2-forecast/production", title: "co2", body: "Bumps co2.", labels: [] },
      "main",
    );

  it("sets the section in an open pull request's body, writes nothing when it reads so, removes it when empty", async () => {
    const { number } = await open();
    expect(
      await upsertPullRequestSection(client, number, "replay", "### Shadow replay\n\n98%"),
    ).toMatchObject({
      action: "updated",
      number,
      url: "https://github.com/acme/models/pull/1",
    });
    expect(github.pulls[0]!.body).toBe(`Bumps co2.\n\n${START}\n### Shadow replay\n\n98%\n${END}\n`);
    const updatedAt = github.pulls[0]!.updated_at;
    expect(
      (await upsertPullRequestSection(client, number, "replay", "### Shadow replay\n\n98%")).action,
    ).toBe("unchanged");
    expect(github.pulls[0]!.updated_at).toBe(updatedAt);
    expect((await upsertPullRequestSection(client, number, "replay", "")).action).toBe("removed");
    expect(github.pulls[0]!.body).toBe("Bumps co2.");
    expect((await upsertPullRequestSection(client, number, "replay", "")).action).toBe("unchanged");
  });

  it("leaves a closed pull request alone, and says GitHub's answer for one that does not exist", async () => {
    const { number } = await open();
    github.pulls[0]!.state = "closed";
    expect((await upsertPullRequestSection(client, number, "replay", "x")).action).toBe("closed");
    expect(github.pulls[0]!.body).toBe("Bumps co2.");
    const missing = await upsertPullRequestSection(client, 99, "replay", "x").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(GitHubApiError);
    expect((missing as GitHubApiError).status).toBe(404);
  });
});
