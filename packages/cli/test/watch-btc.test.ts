import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeGitHub } from "@lockstep/github/testing";
import { trainInto } from "@lockstep/inference/testing";
import { emptyLock, parseLock, type LockFile, type Pin } from "@lockstep/lockfile";
import { batchPredict, btc, getModel, loadPinnedArtifact } from "@lockstep/models";
import { run } from "../src/index.js";
import { watch, type WatchOutcome } from "../src/commands/watch.js";
import { capture } from "./capture.js";
import { klinesJson, seasonalCandles, shuffledBars } from "./btc-candles.js";
import { git, githubEnv, watchRepo, type WatchRepo } from "./watch-repo.js";

const TOKEN = "ghs_watch_btc";
const MODEL = "btc-signal";
const BRANCH = `lockstep/revert/${MODEL}/staging`;
/** v1 learns from the first 800 bars; v2 (and v3) from the first 1000; 400 more arrive after v2's rollout. */
const [V1_BARS, TRAINED, NEW] = [800, 1000, 400];
const HORIZON = btc.defaultBtcParams.horizonBars;
const MIN_TRUTH = 200;
const TOLERANCE = 0.1;
const candles = seasonalCandles(TRAINED + NEW);
/** Commits are dated in the candles' time: each pin is merged as the bar after its data opens. */
const at = (bar: number) => new Date(candles[bar]!.time).toISOString();
let repo: WatchRepo;
let github: FakeGitHub;
let first: Pin;
let second: Pin;
let worse: LockFile;

async function candlesFile(name: string, bars: readonly btc.Candle[]): Promise<string> {
  const file = join(repo.work, name);
  await writeFile(file, klinesJson(bars));
  return file;
}

const watchBtc = (data: string) =>
  watch(MODEL, { lock: repo.lockFile, data }, capture(), githubEnv(github, TOKEN));
const verdictOf = (outcome: WatchOutcome) => {
  if (!("verdict" in outcome)) throw new Error(`no verdict: ${outcome.reason}`);
  return outcome.verdict;
};
const reverts = () => github.pulls.filter((p) => p.head === BRANCH);

/**
 * The pin's realised weighted AUC on the bars after `from`, scored here without the watch: its
 * own requests and truth from the candles, its own answers. What the watch's verdict must match.
 */
async function realised(pin: Pin, data: string, from: number): Promise<number> {
  const spec = getModel(MODEL);
  const io = { baseDir: repo.clone, env: process.env };
  const artifact = await loadPinnedArtifact(MODEL, pin, io);
  const rows = await spec.serving.batch!.rows(data, artifact.card as never, { ...io, log: () => {} });
  const scored = rows.filter((r) => Date.parse(r.id) >= candles[from]!.time && r.truth !== undefined);
  const { predictions } = await batchPredict(spec.serving, artifact.card, artifact.bytes, scored);
  const truth = new Map(scored.map((r) => [r.id, r.truth]));
  return spec.serving.batch!.realised!.score(
    predictions.map((p) => ({ answer: p.answer, truth: truth.get(p.id) })),
  )!;
}

beforeAll(async () => {
  github = new FakeGitHub({ owner: "acme", repo: "models", token: TOKEN });
  await github.start();
  // btc's truth comes a 4-hour bar at a time (ten bars after it): 200 bars are enough for a verdict
  repo = await watchRepo({ models: { [MODEL]: { minTruth: MIN_TRUTH, tolerance: TOLERANCE } } }, at(0));
  // v1: the smoke budget on the first 800 bars of a market with a weekly season
  const v1 = await candlesFile("v1-train.json", candles.slice(0, V1_BARS));
  const trained = await trainInto(repo.clone, emptyLock(), MODEL, {}, v1);
  first = trained.lock.models[MODEL]!.pins.staging!;
  await repo.merge(trained.lock, `${MODEL} v1 in staging`, at(V1_BARS));
  // v2: the first 1000 bars shuffled (same times, same moves, in chance order): labels carry
  // nothing its features could predict, so it learns no season
  const v2 = await candlesFile("v2-train.json", shuffledBars(candles.slice(0, TRAINED)));
  const useless = await trainInto(repo.clone, trained.lock, MODEL, {}, v2);
  second = useless.lock.models[MODEL]!.pins.staging!;
  worse = useless.lock;
  await repo.merge(worse, `${MODEL} v2 in staging`, at(TRAINED));
}, 120_000);
afterAll(() => github.stop());

describe("lockstep watch btc-signal: the triple-barrier truth of the bars after the rollout", () => {
  it("exits 2 on candles it cannot use: too few for a request, a malformed bar, another bar size; nothing reverted", async () => {
    const args = (data: string) => ["watch", MODEL, "--lock", repo.lockFile, "--data", data, "--local"];
    // only the 60 bars after the training data: a request needs the 120 bars up to it
    const short = capture();
    const only = await candlesFile("btc-only-new.json", candles.slice(TRAINED, TRAINED + 60));
    expect((await run(args(only), short)).exitCode).toBe(2);
    expect(short.errors()).toMatch(
      /DATA_INVALID.*btc-only-new.json: need at least 120 candles, got 60: each request is a bar with the 120 candles up to it/,
    );
    // a bar whose high is below its close, among the new bars
    const broken = candles.map((c, i) => (i === TRAINED + 50 ? { ...c, high: c.close * 0.99 } : c));
    const malformed = capture();
    expect((await run(args(await candlesFile("btc-malformed.json", broken)), malformed)).exitCode).toBe(2);
    expect(malformed.errors()).toMatch(
      new RegExp(`DATA_INVALID.*candle ${TRAINED + 50}: high/low do not contain open and close`),
    );
    // hourly candles for a model of 4-hour bars: other features, another horizon, another truth
    const end = candles[TRAINED]!.time;
    const hourly = candles.map((c, i) => ({ ...c, time: end + (i - TRAINED) * 3600_000 }));
    const wrong = capture();
    expect((await run(args(await candlesFile("btc-1h.json", hourly)), wrong)).exitCode).toBe(2);
    expect(wrong.errors()).toMatch(/DATA_INVALID.*60 minutes apart; the model was trained on 240-minute/);
    // nothing compared, so nothing reverted: no branch here, none pushed, no pull request
    expect(await git(repo.clone, ["branch", "--list", "lockstep/revert/*"])).toBe("");
    expect(await git(repo.clone, ["ls-remote", "--heads", "origin", BRANCH])).toBe("");
    expect(github.pulls).toHaveLength(0);
  }, 60_000);

  it("gives no verdict on too little truth: 150 new bars, of which 140 have reached a barrier", async () => {
    const data = await candlesFile("btc-150.json", candles.slice(0, TRAINED + 150));
    const { exitCode, outcome } = await watchBtc(data);
    expect(exitCode).toBe(0);
    expect(outcome.status).toBe("not-enough-truth");
    // the last ten bars' horizon has not passed yet: no truth for them
    expect(verdictOf(outcome)).toMatchObject({ pairedRows: 150, truthRows: 150 - HORIZON });
    expect(outcome.reason).toMatch(new RegExp(`${150 - HORIZON} of the ${MIN_TRUTH} rows`));
    expect(github.pulls).toHaveLength(0);
  }, 60_000);

  it("v2 worse than v1 on the arrived truth opens the revert pull request restoring v1", async () => {
    const data = await candlesFile("btc-new.json", candles);
    // scored without the watch: v2 really is worse than v1 on the bars after its training data
    const [v2, v1] = [await realised(second, data, TRAINED), await realised(first, data, TRAINED)];
    expect(v2).toBeLessThan(v1 * (1 - TOLERANCE));
    const out = capture();
    const { exitCode, outcome } = await watch(
      MODEL,
      { lock: repo.lockFile, data },
      out,
      githubEnv(github, TOKEN),
    );
    expect(exitCode, out.errors()).toBe(1);
    expect(outcome.status).toBe("worse");
    const verdict = verdictOf(outcome);
    // both pins answered the 400 bars after v2's training data (v1's later bars are v2's
    // training data: not compared); the last ten have no truth yet
    expect(verdict).toMatchObject({ metric: "auc_ovr_weighted", pairedRows: NEW, truthRows: NEW - HORIZON });
    expect(verdict.current).toMatchObject({ version: "2", sha256: second.sha256 });
    expect(verdict.previous).toMatchObject({ version: "1", sha256: first.sha256 });
    expect(verdict.current.value).toBeCloseTo(v2, 10);
    expect(verdict.previous.value).toBeCloseTo(v1, 10);
    expect(verdict.worsening).toBeGreaterThan(TOLERANCE);
    expect(verdict.worseShare).toBeGreaterThanOrEqual(0.95);
    console.log(
      `realised auc_ovr_weighted: v2 ${v2.toFixed(4)}, v1 ${v1.toFixed(4)}, ` +
        `${(verdict.worsening! * 100).toFixed(0)}% worse, worse in ${(verdict.worseShare! * 100).toFixed(1)}% of resamples`,
    );

    const [pull] = reverts();
    expect(pull!.title).toBe(`${MODEL} (staging): revert to v1, v2 is worse on realised truth`);
    const f = (v: number) => Number(v.toPrecision(4)).toString();
    expect(pull!.body).toContain("### Realised metrics");
    expect(pull!.body).toContain(`| current | 2 | \`${second.sha256.slice(0, 16)}…\` | ${f(v2)} |`);
    expect(pull!.body).toContain(`| previous | 1 | \`${first.sha256.slice(0, 16)}…\` | ${f(v1)} |`);
    expect(pull!.body).toContain("Verdict: **worse**");
    await git(repo.clone, ["fetch", "-q", "origin"]);
    const restored = parseLock(await git(repo.clone, ["show", `origin/${BRANCH}:models.lock.json`]));
    expect(restored.models[MODEL]!.pins.staging).toEqual(first);
    expect(restored.models[MODEL]!.pins.staging!.sha256).toBe(first.sha256);

    // the next scheduled run finds the same pull request: no duplicate
    expect((await watchBtc(data)).exitCode).toBe(1);
    expect(reverts()).toHaveLength(1);
  }, 60_000);

  it("once the revert merges, v1 is not worse than v2, and a v3 retrained on the true bars is not worse than v1", async () => {
    const data = join(repo.work, "btc-new.json");
    const pulls = github.pulls.length;
    const reverted = parseLock(await git(repo.clone, ["show", `origin/${BRANCH}:models.lock.json`]));
    await repo.merge(reverted, `${MODEL}: revert staging to version 1`, at(TRAINED + 6));
    const back = await watchBtc(data);
    expect(back).toMatchObject({ exitCode: 0, outcome: { status: "not-worse" } });
    const restored = verdictOf(back.outcome);
    expect(restored.current).toMatchObject({ version: "1", sha256: first.sha256 });
    expect(restored.previous).toMatchObject({ version: "2", sha256: second.sha256 });
    expect(restored.current.value!).toBeGreaterThan(restored.previous.value!);

    // v3: the same 1000 bars as v2, in their true order (versioned from the lock that pinned v2)
    const honest = await candlesFile("v3-train.json", candles.slice(0, TRAINED));
    const retrained = await trainInto(repo.clone, worse, MODEL, {}, honest);
    const third = retrained.lock.models[MODEL]!.pins.staging!;
    await repo.merge(retrained.lock, `${MODEL} v3 in staging`, at(TRAINED + 12));
    const [v3, v1] = [await realised(third, data, TRAINED), await realised(first, data, TRAINED)];
    const { exitCode, outcome } = await watchBtc(data);
    expect(exitCode).toBe(0);
    const verdict = verdictOf(outcome);
    expect(verdict.current).toMatchObject({ version: "3", sha256: third.sha256 });
    expect(verdict.previous).toMatchObject({ version: "1", sha256: first.sha256 });
    expect(verdict.current.value).toBeCloseTo(v3, 10);
    expect(verdict.previous.value).toBeCloseTo(v1, 10);
    // the status follows the realised values: within the tolerance, not worse
    expect(v3).toBeGreaterThanOrEqual(v1 * (1 - TOLERANCE));
    expect(outcome.status).toBe("not-worse");
    console.log(`realised auc_ovr_weighted: v3 ${v3.toFixed(4)}, v1 ${v1.toFixed(4)}: ${outcome.reason}`);
    expect(github.pulls).toHaveLength(pulls);
  }, 60_000);
});
