import { copyFile, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeGitHub } from "@lockstep/github/testing";
import { trainInto } from "@lockstep/inference/testing";
import { emptyLock, parseLock, serializeLock, type Pin } from "@lockstep/lockfile";
import { run } from "../src/index.js";
import { watch } from "../src/commands/watch.js";
import { capture } from "./capture.js";
import { daysAgo, git, githubEnv as envFor, ROOT, watchRepo, type WatchRepo } from "./watch-repo.js";

const TOKEN = "ghs_watch";
let work: string;
let clone: string;
let lockFile: string;
let merge: WatchRepo["merge"];
let github: FakeGitHub;
let first: Pin;
let second: Pin;

/** co2's training data and `months` more: each a year after its month plus 2.4 ppm. */
async function extendedCo2(months: number): Promise<string> {
  const text = await readFile(join(ROOT, "node_modules/vega-datasets/data/co2-concentration.csv"), "utf8");
  const lines = text.trim().split("\n");
  const series = new Map(
    lines.slice(1).map((line) => {
      const [date, value] = line.split(",");
      return [date!.slice(0, 7), Number(value)] as const;
    }),
  );
  const month = (y: number, m: number) => `${y}-${String(m).padStart(2, "0")}`;
  let [y, m] = [2020, 4];
  const added: string[] = [];
  for (let i = 0; i < months; i++) {
    [y, m] = m === 12 ? [y + 1, 1] : [y, m + 1];
    const value = series.get(month(y - 1, m))! + 2.4;
    series.set(month(y, m), value);
    added.push(`${month(y, m)}-01,${value.toFixed(2)},0`);
  }
  return `${[...lines, ...added].join("\n")}\n`;
}

const githubEnv = () => envFor(github, TOKEN);

beforeAll(async () => {
  github = new FakeGitHub({ owner: "acme", repo: "models", token: TOKEN });
  await github.start();
  // co2's truth comes a month at a time: two years of origins are enough for a verdict
  ({ work, clone, lockFile, merge } = await watchRepo(
    { models: { "co2-forecast": { minTruth: 24, tolerance: 0.25 } } },
    daysAgo(30),
  ));
  // v1: co2 with its smoke budget; v2: no seasonal terms, so it misses every season of the new data
  const trained = await trainInto(clone, emptyLock(), "co2-forecast");
  first = trained.lock.models["co2-forecast"]!.pins.staging!;
  await merge(trained.lock, "co2-forecast v1 in staging", daysAgo(20));
  const worse = await trainInto(clone, trained.lock, "co2-forecast", { harmonics: [0] });
  second = worse.lock.models["co2-forecast"]!.pins.staging!;
  await merge(worse.lock, "co2-forecast v2 in staging", daysAgo(2));
  await writeFile(join(work, "co2-new.csv"), await extendedCo2(36));
}, 120_000);
afterAll(() => github.stop());

describe("lockstep watch: after 100%, the truth", () => {
  it("a degraded realised metric after the rollout opens the revert pull request with both pins' metrics", async () => {
    expect(second.version).toBe("2");
    const out = capture();
    const { exitCode, outcome } = await watch(
      "co2-forecast",
      { lock: lockFile, data: join(work, "co2-new.csv") },
      out,
      githubEnv(),
    );
    expect(exitCode, out.errors()).toBe(1);
    expect(outcome.status).toBe("worse");
    if (!("verdict" in outcome)) throw new Error("no verdict");
    const { verdict } = outcome;
    // both pins answered the same 37 monthly origins (the last training month on); 36 have truth
    expect(verdict).toMatchObject({ metric: "mape_h12", pairedRows: 37, truthRows: 36 });
    expect(verdict.current).toMatchObject({ version: "2", sha256: second.sha256 });
    expect(verdict.previous).toMatchObject({ version: "1", sha256: first.sha256 });
    expect(verdict.current.value!).toBeGreaterThan(verdict.previous.value! * 1.25);
    expect(verdict.worseShare).toBeGreaterThanOrEqual(0.95);
    console.log(
      `realised mape_h12: v2 ${verdict.current.value!.toFixed(4)}, v1 ${verdict.previous.value!.toFixed(4)}, ` +
        `${(verdict.worsening! * 100).toFixed(0)}% worse, worse in ${(verdict.worseShare! * 100).toFixed(1)}% of resamples`,
    );

    const pull = github.pulls.find((p) => p.head === "lockstep/revert/co2-forecast/staging")!;
    expect(pull.title).toBe("co2-forecast (staging): revert to v1, v2 is worse on realised truth");
    const f = (v: number) => Number(v.toPrecision(4)).toString();
    expect(pull.body).toContain("### Realised metrics");
    expect(pull.body).toContain(
      `| current | 2 | \`${second.sha256.slice(0, 16)}…\` | ${f(verdict.current.value!)} |`,
    );
    expect(pull.body).toContain(
      `| previous | 1 | \`${first.sha256.slice(0, 16)}…\` | ${f(verdict.previous.value!)} |`,
    );
    expect(pull.body).toContain("Verdict: **worse**");
    // the branch restores v1 in staging, with the manifests re-rendered beside it
    await git(clone, ["fetch", "-q", "origin"]);
    const restored = parseLock(
      await git(clone, ["show", "origin/lockstep/revert/co2-forecast/staging:models.lock.json"]),
    );
    expect(restored.models["co2-forecast"]!.pins.staging).toEqual(first);

    // the next scheduled run finds the same pull request: no duplicate
    const again = await watch(
      "co2-forecast",
      { lock: lockFile, data: join(work, "co2-new.csv") },
      capture(),
      githubEnv(),
    );
    expect(again.exitCode).toBe(1);
    expect(github.pulls.filter((p) => p.head === "lockstep/revert/co2-forecast/staging")).toHaveLength(1);
  }, 120_000);

  it("revert.yml's path: lockstep revert --reason realised quotes the dispatched metrics as text", async () => {
    const analysis = "| current | 2 | … | 0.468 |\n| previous | 1 | … | 0.0427 |";
    const out = capture();
    const args = ["revert", "co2-forecast", "--lock", lockFile, "--local", "--reason", "realised"];
    expect((await run([...args, "--analysis", analysis], out)).exitCode, out.errors()).toBe(0);
    const body = await readFile(join(clone, ".lockstep/reverts/co2-forecast.staging.md"), "utf8");
    expect(body).toContain("# co2-forecast (staging): revert to v1, v2 is worse on realised truth");
    expect(body).toContain("### Realised metrics\n\n```text\n| current | 2 | … | 0.468 |");
    expect(body).toContain("Opened by Lockstep after the post-promotion watch");
    const bad = capture();
    expect((await run([...args.slice(0, -1), "later"], bad)).exitCode).toBe(2);
    expect(bad.errors()).toMatch(/--reason must be canary or realised/);
  });

  it("action issue: one deduplicated issue with both pins' metrics, no pull request", async () => {
    const pulls = github.pulls.length;
    for (let i = 0; i < 2; i++) {
      const { exitCode } = await watch(
        "co2-forecast",
        { lock: lockFile, data: join(work, "co2-new.csv"), action: "issue" },
        capture(),
        githubEnv(),
      );
      expect(exitCode).toBe(1);
    }
    const issues = github.issues.filter((issue) => issue.labels.includes("pin-regression"));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.title).toBe("Degraded: co2-forecast in staging");
    expect(issues[0]!.body).toMatch(/\| current \| 2 \|[\s\S]*\| previous \| 1 \|/);
    expect(github.pulls.length).toBe(pulls);
  }, 120_000);

  it("gives no verdict before the rollout has finished, nor on too little truth", async () => {
    const pulls = github.pulls.length;
    // 40 minutes after the merge: the canary's 14 minutes and 30 to settle are not over
    const merged = (await git(clone, ["log", "-1", "--format=%cI"])).trim();
    const early = await watch(
      "co2-forecast",
      { lock: lockFile, data: join(work, "co2-new.csv") },
      capture(),
      githubEnv(),
      new Date(Date.parse(merged) + 40 * 60_000),
    );
    expect(early).toMatchObject({ exitCode: 0, outcome: { status: "not-rolled-out" } });
    expect(early.outcome.reason).toMatch(/fully rolled out from/);
    // a lock edited but not merged: its pin is not what main rolled out
    const committed = await readFile(lockFile, "utf8");
    const edited = parseLock(committed);
    edited.models["co2-forecast"]!.pins.staging = first;
    await writeFile(lockFile, serializeLock(edited));
    const unmerged = await watch(
      "co2-forecast",
      { lock: lockFile, data: join(work, "co2-new.csv") },
      capture(),
      githubEnv(),
    );
    await writeFile(lockFile, committed);
    expect(unmerged).toMatchObject({ exitCode: 0, outcome: { status: "not-rolled-out" } });
    expect(unmerged.outcome.reason).toMatch(/is not the committed pin/);
    // ten months of new data: ten origins carry truth, 24 are needed
    await writeFile(join(work, "co2-10.csv"), await extendedCo2(10));
    const thin = await watch(
      "co2-forecast",
      { lock: lockFile, data: join(work, "co2-10.csv") },
      capture(),
      githubEnv(),
    );
    expect(thin).toMatchObject({ exitCode: 0, outcome: { status: "not-enough-truth" } });
    expect(thin.outcome.reason).toMatch(/not enough truth yet: 10 of the 24/);
    // the data through the last training month: one request, no truth at all
    const full = join(work, "co2-through-training.csv");
    await copyFile(join(ROOT, "node_modules/vega-datasets/data/co2-concentration.csv"), full);
    const none = await watch("co2-forecast", { lock: lockFile, data: full }, capture(), githubEnv());
    expect(none).toMatchObject({ exitCode: 0, outcome: { status: "not-enough-truth" } });
    expect(none.outcome.reason).toMatch(/0 of the 24/);
    expect(github.pulls.length).toBe(pulls);
  }, 120_000);

  it("exits 2 on bad input and reverts nothing: an empty window, a malformed config", async () => {
    const pulls = github.pulls.length;
    // data that ends before the pins' training data did: no request for them to answer
    const text = await readFile(join(ROOT, "node_modules/vega-datasets/data/co2-concentration.csv"), "utf8");
    const stale = join(work, "co2-old.csv");
    await writeFile(stale, `${text.split("\n").slice(0, 400).join("\n")}\n`);
    const empty = capture();
    expect(
      (await run(["watch", "co2-forecast", "--lock", lockFile, "--data", stale, "--local"], empty)).exitCode,
    ).toBe(2);
    expect(empty.errors()).toMatch(/LOG_EMPTY.*no requests for both pins/);
    const config = join(work, "bad-watch.json");
    await writeFile(config, JSON.stringify({ models: { "co2-forecast": { tolerance: "10%" } } }));
    const bad = capture();
    const args = [
      "watch",
      "co2-forecast",
      "--lock",
      lockFile,
      "--data",
      join(work, "co2-new.csv"),
      "--local",
    ];
    expect((await run([...args, "--config", config], bad)).exitCode).toBe(2);
    expect(bad.errors()).toMatch(
      /WATCH_CONFIG_INVALID[\s\S]*\/models\/co2-forecast\/tolerance: must be a number/,
    );
    const action = capture();
    expect((await run([...args, "--action", "revert"], action)).exitCode).toBe(2);
    expect(action.errors()).toMatch(/--action must be pull-request, issue or none/);
    expect(github.pulls.length).toBe(pulls);
  }, 120_000);

  it("exits 2 when the previous pin's artifact is altered or gone: nothing compared, nothing reverted", async () => {
    const pulls = github.pulls.length;
    const stored = join(clone, ".lockstep/store/sha256", first.sha256);
    const bytes = await readFile(stored);
    const altered = Buffer.from(bytes);
    altered[altered.length - 1] ^= 1;
    await writeFile(stored, altered);
    const args = [
      "watch",
      "co2-forecast",
      "--lock",
      lockFile,
      "--data",
      join(work, "co2-new.csv"),
      "--local",
    ];
    const mismatch = capture();
    expect((await run(args, mismatch)).exitCode).toBe(2);
    expect(mismatch.errors()).toMatch(/PIN_UNAVAILABLE.*previous pin v1 .*sha256/i);
    await rm(stored);
    const gone = capture();
    expect((await run(args, gone)).exitCode).toBe(2);
    expect(gone.errors()).toMatch(/PIN_UNAVAILABLE.*previous pin v1/);
    expect(github.pulls.length).toBe(pulls);
    await writeFile(stored, bytes);
  }, 120_000);
  it("after the revert merges, v1 watched against v2 is not worse, and three such runs close the issue", async () => {
    const issue = github.issues.find((i) => i.labels.includes("pin-regression"))!;
    expect(issue.state).toBe("open");
    const reverted = parseLock(
      await git(clone, ["show", "origin/lockstep/revert/co2-forecast/staging:models.lock.json"]),
    );
    await merge(reverted, "co2-forecast: revert staging to version 1", daysAgo(1));
    for (let i = 0; i < 3; i++) {
      const { exitCode, outcome } = await watch(
        "co2-forecast",
        { lock: lockFile, data: join(work, "co2-new.csv"), action: "issue" },
        capture(),
        githubEnv(),
      );
      expect(exitCode).toBe(0);
      expect(outcome.status).toBe("not-worse");
      if ("verdict" in outcome) expect(outcome.verdict.previous.version).toBe("2");
    }
    expect(issue.state).toBe("closed");
    expect(github.issues.filter((i) => i.labels.includes("pin-regression"))).toHaveLength(1);
  }, 120_000);
});
