import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { declaredWorkflows, FakeGitHub } from "@lockstep/github/testing";
import { trainInto } from "@lockstep/inference/testing";
import { emptyLock, serializeLock, type LockFile } from "@lockstep/lockfile";
import { buildActions } from "../scripts/build.js";
import { daysAgo, git } from "../../packages/cli/test/watch-repo.js";
import { runAction } from "./runner.js";

const ROOT = resolve(import.meta.dirname, "../..");
const TOKEN = "ghs_monitor_watch";
const exec = promisify(execFile);
let action: string;
let repo: string;
let github: FakeGitHub;

/** A commit of the lock on main, dated `days` days back (author and committer). */
async function commit(lock: LockFile, message: string, days: number) {
  await writeFile(join(repo, "models.lock.json"), serializeLock(lock));
  await git(repo, ["add", "models.lock.json", "lockstep.deploy.json"], daysAgo(days));
  await git(repo, ["commit", "-q", "-m", message], daysAgo(days));
}

/** co2's training data and three years more, each month a year after its month plus 2.4 ppm. */
async function newCo2(): Promise<string> {
  const text = await readFile(join(ROOT, "node_modules/vega-datasets/data/co2-concentration.csv"), "utf8");
  const lines = text.trim().split("\n");
  const series = new Map(lines.slice(1).map((l) => [l.slice(0, 7), Number(l.split(",")[1])] as const));
  let [y, m] = [2020, 4];
  for (let i = 0; i < 36; i++) {
    [y, m] = m === 12 ? [y + 1, 1] : [y, m + 1];
    const key = (year: number) => `${year}-${String(m).padStart(2, "0")}`;
    const value = series.get(key(y - 1))! + 2.4;
    series.set(key(y), value);
    lines.push(`${key(y)}-01,${value.toFixed(2)},0`);
  }
  return `${lines.join("\n")}\n`;
}

beforeAll(async () => {
  [action] = await buildActions(["monitor"]);
  github = new FakeGitHub({
    owner: "acme",
    repo: "models",
    token: TOKEN,
    workflows: await declaredWorkflows(ROOT),
  });
  await github.start();
  repo = await mkdtemp(join(tmpdir(), "lockstep-monitor-watch-"));
  await exec("git", ["init", "-q", "--initial-branch=main", repo]);
  await copyFile(join(ROOT, "lockstep.deploy.json"), join(repo, "lockstep.deploy.json"));
  const first = await trainInto(repo, emptyLock(), "co2-forecast");
  await commit(first.lock, "co2-forecast v1", 20);
  // no seasonal terms: it misses every season of the new data
  const second = await trainInto(repo, first.lock, "co2-forecast", { harmonics: [0] });
  await commit(second.lock, "co2-forecast v2", 2);
  await writeFile(join(repo, "co2-new.csv"), await newCo2());
}, 240_000);
afterAll(() => github.stop());

describe("the monitor action's post-promotion watch", () => {
  it("dispatches revert.yml (reason realised) with both pins' realised metrics; the job itself pushes nothing", async () => {
    const run = await runAction(action, repo, repo, github, {
      token: TOKEN,
      environment: "staging",
      log: join(repo, "no-log"),
      "watch-data": `co2-forecast=${join(repo, "co2-new.csv")}`,
    });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.worse).toBe("co2-forecast");
    expect(github.dispatches).toHaveLength(1);
    const [dispatch] = github.dispatches;
    expect(dispatch).toMatchObject({
      workflow: "revert.yml",
      ref: "main",
      inputs: { model: "co2-forecast", environment: "staging", reason: "realised" },
    });
    expect(dispatch!.inputs.analysis).toMatch(
      /\| current \| 2 \|[\s\S]*\| previous \| 1 \|[\s\S]*Verdict: \*\*worse\*\*/,
    );
    expect(run.summary).toContain("co2-forecast: after the rollout");
    expect(github.pulls).toEqual([]);
  }, 120_000);

  it("refuses watch-data that is not model=uri lines", async () => {
    const run = await runAction(action, repo, repo, github, {
      token: TOKEN,
      environment: "staging",
      log: join(repo, "no-log"),
      "watch-data": "co2-forecast",
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::watch-data: "co2-forecast" is not model=uri/);
  }, 120_000);
});
