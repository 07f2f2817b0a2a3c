import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeGitHub } from "@lockstep/github/testing";
import { wrapSection } from "@lockstep/github";
import { buildActions } from "../scripts/build.js";
import { MAX_MARKDOWN_CHARS } from "../pull-request-section/src/main.js";
import { runAction } from "./runner.js";

const TOKEN = "ghs_secret_token_value";
let action: string;
let work: string;
let github: FakeGitHub;

beforeAll(async () => {
  [action] = await buildActions(["pull-request-section"]);
  work = await mkdtemp(join(tmpdir(), "lockstep-section-"));
});
afterAll(() => rm(work, { recursive: true, force: true }));
beforeEach(async () => {
  github = new FakeGitHub({ owner: "acme", repo: "models", token: TOKEN });
  await github.start();
  github.pulls.push({
    number: 7,
    title: "co2-forecast (production): v4 → v5",
    body: `Bumps co2-forecast.\n\n${wrapSection("replay", "### Shadow replay\n\nfrom propose")}\n\nA reviewer's line.`,
    head: "lockstep/co2-forecast/production",
    base: "main",
    state: "open",
    labels: ["model-bump"],
    created_at: "2026-12-07T00:00:00Z",
    updated_at: "2026-12-07T00:00:00Z",
  });
});
afterEach(() => github.stop());

const section = (inputs: Record<string, string>) =>
  runAction(action, work, work, github, { token: TOKEN, number: "7", section: "replay", ...inputs });

describe("the pull-request-section action", () => {
  it("rewrites its section of the body in place and keeps everything else", async () => {
    const result = await section({ markdown: "### Shadow replay\n\nagreement 97.5%" });
    expect(result.code, result.stdout).toBe(0);
    expect(result.outputs).toEqual({ action: "updated", url: "https://github.com/acme/models/pull/7" });
    const body = github.pulls[0]!.body!;
    expect(body).toContain("agreement 97.5%");
    expect(body).not.toContain("from propose");
    expect(body.startsWith("Bumps co2-forecast.")).toBe(true);
    expect(body).toContain("A reviewer's line.");
    expect((await section({ markdown: "### Shadow replay\n\nagreement 97.5%" })).outputs.action).toBe(
      "unchanged",
    );
  });

  it("refuses bad inputs with a clear error and writes nothing", async () => {
    const before = github.pulls[0]!.body;
    for (const [inputs, message] of [
      [{ number: "7; curl evil" }, /number must be a pull request's number/],
      [{ number: "0" }, /number must be/],
      [{ number: "" }, /Input required and not supplied: number/],
      [{ section: "Replay Section" }, /lowercase words/],
      [{ section: "replay -->" }, /lowercase words/],
      [{ markdown: "x".repeat(MAX_MARKDOWN_CHARS + 1) }, /over 100000: nothing was written/],
      [{ number: "99" }, /answered 404/],
    ] as const) {
      const result = await section({ markdown: "x", ...inputs });
      expect(result.code, JSON.stringify(inputs).slice(0, 80)).toBe(1);
      expect(result.stdout).toMatch(message);
    }
    expect(github.pulls[0]!.body).toBe(before);
  });
});
