import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { run as lockstep } from "@lockstep/cli";
import { FakeGitHub } from "@lockstep/github/testing";
import { parseLock } from "@lockstep/lockfile";
import { co2Forecast } from "@lockstep/models";
import { buildActions } from "../scripts/build.js";
import { exec, git, repository, runAction } from "./runner.js";

const TOKEN = "ghs_secret_token_value";

let action: string;
let work: string;
let candidatePath: string;
let reportPath: string;

beforeAll(async () => {
  [action] = await buildActions(["propose-model"]);
  work = await mkdtemp(join(tmpdir(), "lockstep-action-propose-"));
  // one real candidate, trained with a tiny budget
  const trainDir = join(work, "train");
  await exec("git", ["init", "-q", trainDir]);
  const out = { result: () => {}, json: () => {}, progress: () => {}, warn: () => {}, error: () => {} };
  const { exitCode } = await lockstep(
    [
      "train",
      "co2-forecast",
      "--params",
      JSON.stringify(co2Forecast.smokeParams),
      "--env",
      "production",
      "--lock",
      join(trainDir, "models.lock.json"),
    ],
    out,
  );
  expect(exitCode).toBe(0);
  candidatePath = join(trainDir, ".lockstep", "candidates", "co2-forecast.production.json");
  const candidate = JSON.parse(await readFile(candidatePath, "utf8"));
  reportPath = join(trainDir, ".lockstep", "reports", `co2-forecast-${candidate.pin.sha256.slice(0, 12)}.md`);
}, 180_000);

let github: FakeGitHub;
let repo: { origin: string; clone: string };
beforeEach(async () => {
  github = new FakeGitHub({ owner: "acme", repo: "models", token: TOKEN });
  await github.start();
  repo = await repository(work);
  return () => github.stop();
});

/** The trained candidate with its gate metric moved, as another training run would give. */
async function variant(score: number, hex: string): Promise<string> {
  const candidate = JSON.parse(await readFile(candidatePath, "utf8"));
  const metric = candidate.gate.metric as string;
  // each fold moves with the pooled metric, as a better model would move them (the paired gate)
  const shift = score - candidate.pin.metrics[metric];
  const folds = candidate.pin.evaluation.folds?.[metric] as number[] | undefined;
  if (folds) candidate.pin.evaluation.folds[metric] = folds.map((v) => v + shift);
  candidate.pin.metrics[metric] = score; // co2's gate minimizes
  candidate.pin.sha256 = hex.repeat(64);
  const path = join(work, `candidate-${hex}.json`);
  await writeFile(path, JSON.stringify(candidate));
  return path;
}

describe("the propose-model action (bundled, run as the runner runs it)", () => {
  it("opens the first pull request, with outputs, labels and a summary, and never prints the token", async () => {
    const result = await runAction(action, work, repo.clone, github, {
      candidate: candidatePath,
      report: reportPath,
      token: TOKEN,
      base: "main",
    });
    expect(result.code, result.stdout).toBe(0);
    expect(result.outputs).toMatchObject({
      status: "proposed",
      proposed: "true",
      branch: "lockstep/co2-forecast/production",
      "pull-request-number": "1",
      "pull-request-url": "https://github.com/acme/models/pull/1",
    });
    expect(await git(repo.origin, "rev-parse", "lockstep/co2-forecast/production")).toBe(
      result.outputs.commit,
    );
    const lock = parseLock(
      await git(repo.origin, "show", "lockstep/co2-forecast/production:models.lock.json"),
    );
    expect(lock.models["co2-forecast"]!.pins.production!.version).toBe("1");
    expect(github.pulls[0]!.labels).toEqual(["model-bump", "co2-forecast"]);
    expect(github.pulls[0]!.body).toContain("https://github.com/acme/models/actions/runs/42");
    expect(github.pulls[0]!.body).toContain("<summary>Training report</summary>");
    expect(result.summary).toContain("Pull request [#1](https://github.com/acme/models/pull/1) created");
    expect(result.stdout).toContain("::group::propose");
    // the runner swallows ::add-mask:: and masks the value everywhere after it
    expect(result.stdout).toContain(`::add-mask::${TOKEN}`);
    expect(result.stdout.replace(`::add-mask::${TOKEN}`, "")).not.toContain(TOKEN);
  });

  it("with a replay sample, puts the shadow replay section in the pull request (the first pin: nothing to replay against)", async () => {
    const result = await runAction(action, work, repo.clone, github, {
      candidate: candidatePath,
      token: TOKEN,
      "replay-sample": join(work, "no-sample-needed"),
    });
    expect(result.code, result.stdout).toBe(0);
    expect(github.pulls[0]!.body).toContain("### Shadow replay");
    expect(github.pulls[0]!.body).toContain("there is no pin to replay against");
  });

  it("updates the existing pull request in place for a better candidate, and opens nothing for a worse one", async () => {
    const first = await variant(0.5, "c");
    await runAction(action, work, repo.clone, github, { candidate: first, token: TOKEN });
    const better = await runAction(action, work, repo.clone, github, {
      candidate: await variant(0.4, "d"),
      token: TOKEN,
    });
    expect(better.outputs).toMatchObject({ status: "proposed", "pull-request-number": "1" });
    expect(github.pulls).toHaveLength(1);
    expect(github.pulls[0]!.body).toContain("d".repeat(64));
    const worse = await runAction(action, work, repo.clone, github, {
      candidate: await variant(0.45, "e"),
      token: TOKEN,
    });
    expect(worse.code).toBe(0);
    expect(worse.outputs).toMatchObject({ status: "superseded", proposed: "false" });
    expect(worse.summary).toMatch(/Nothing proposed: .*already proposes version 1/);
    expect(github.pulls).toHaveLength(1);
    expect(github.calls.filter((c) => c.path.includes("/comments"))).toEqual([]);
  });

  it("two runs racing end with one pull request proposing the better candidate", async () => {
    const other = join(repo.clone, "..", "other");
    await exec("git", ["clone", "-q", repo.origin, other]);
    const [a, b] = await Promise.all([
      runAction(action, work, repo.clone, github, { candidate: await variant(0.5, "c"), token: TOKEN }),
      runAction(action, work, other, github, { candidate: await variant(0.4, "d"), token: TOKEN }),
    ]);
    expect([a.code, b.code], a.stdout + b.stdout).toEqual([0, 0]);
    expect(github.pulls).toHaveLength(1);
    const lock = parseLock(
      await git(repo.origin, "show", "lockstep/co2-forecast/production:models.lock.json"),
    );
    expect(lock.models["co2-forecast"]!.pins.production!.sha256).toBe("d".repeat(64));
  });

  it("fails with GitHub's reason on 403 and 422", async () => {
    github.failNext("POST", /\/pulls$/, 403, "Resource not accessible by integration");
    const denied = await runAction(action, work, repo.clone, github, {
      candidate: candidatePath,
      token: TOKEN,
    });
    expect(denied.code).toBe(1);
    expect(denied.stdout).toMatch(
      /::error::GitHub API POST \/repos\/acme\/models\/pulls answered 403: Resource not accessible by integration .*pull-requests: write/,
    );
    github.failNext("POST", /\/pulls$/, 422, "Validation Failed", [
      { resource: "PullRequest", field: "base", code: "invalid" },
    ]);
    const invalid = await runAction(action, work, repo.clone, github, {
      candidate: candidatePath,
      token: TOKEN,
      base: "main",
    });
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toMatch(/::error::.*422: Validation Failed \(PullRequest base invalid\)/);
  });

  it("refuses malformed inputs with a clear failure", async () => {
    const broken = join(work, "broken.json");
    await writeFile(
      broken,
      '{"candidateVersion": 1, "model": "co2-forecast", "environment": "production", "pin": {}}',
    );
    const cases: [Record<string, string>, RegExp][] = [
      [{ token: TOKEN }, /Input required and not supplied: candidate/],
      [
        { candidate: join(work, "missing.json"), token: TOKEN },
        /no candidate to propose yet \(.*missing\.json does not exist\): train one first/,
      ],
      [{ candidate: broken, token: TOKEN }, /broken\.json: .*pin: missing required key "version"/],
      [{ candidate: candidatePath, token: TOKEN, base: "--force" }, /not a safe ref name/],
      [{ candidate: candidatePath, token: "" }, /Input required and not supplied: token/],
    ];
    for (const [inputs, message] of cases) {
      const result = await runAction(action, work, repo.clone, github, inputs);
      expect(result.code, JSON.stringify(inputs)).toBe(1);
      expect(result.stdout).toMatch(message);
    }
    expect(github.pulls).toHaveLength(0);
  });
});
