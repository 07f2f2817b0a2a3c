import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { run } from "@lockstep/cli";
import { sendShiftedCo2, trainedProject } from "@lockstep/inference/testing";
import { declaredWorkflows, FakeGitHub } from "@lockstep/github/testing";
import { writeLock, type Pin } from "@lockstep/lockfile";
import { readCard } from "@lockstep/onnx";
import { fetchArtifact } from "@lockstep/store";
import { buildActions } from "../scripts/build.js";
import { runAction } from "./runner.js";

const ROOT = resolve(import.meta.dirname, "../..");

const TOKEN = "ghs_secret_token_value";
let action: string;
let repo: string;
let pin: Pin;
let quantiles: Record<string, number[]>;

beforeAll(async () => {
  [action] = await buildActions(["monitor"]);
  const project = await trainedProject();
  repo = project.dir;
  await writeLock(join(repo, "models.lock.json"), project.lock);
  pin = project.lock.models["co2-forecast"]!.pins.staging!;
  const card = readCard(await fetchArtifact(pin.uri, pin.sha256, { baseDir: repo }));
  const profile = card.featureProfile as {
    features: Record<string, { quantiles: number[] }>;
    predictions: Record<string, { quantiles: number[] }>;
  };
  quantiles = Object.fromEntries(
    [...Object.entries(profile.features), ...Object.entries(profile.predictions)].map(([k, v]) => [
      k,
      v.quantiles,
    ]),
  );
}, 240_000);

/** A value at probability p of the profile's distribution (its quantile function). */
const at = (q: number[], p: number) => {
  const x = p * (q.length - 1);
  const i = Math.min(q.length - 2, Math.floor(x));
  return q[i]! + (q[i + 1]! - q[i]!) * (x - i);
};

/** A day of logged predictions: like the training profile, or shifted far from it. */
async function log(name: string, shifted: boolean): Promise<string> {
  const dir = join(repo, "logs", name);
  await mkdir(dir, { recursive: true });
  const now = Date.now();
  const lines = Array.from({ length: 400 }, (_, i) => {
    const p = (i * 0.618034) % 1;
    const value = (column: string) => at(quantiles[column]!, p) + (shifted ? 50 : 0);
    return JSON.stringify({
      time: new Date(now - (400 - i) * 60_000).toISOString(),
      requestId: `r${i}`,
      model: "co2-forecast",
      version: pin.version,
      sha256: pin.sha256,
      features: {
        horizon: 12,
        monthly_change: value("monthly_change"),
        yearly_change: value("yearly_change"),
      },
      prediction: { forecast_change_h12: value("forecast_change_h12") },
      latencyMs: 1,
      cached: false,
    });
  });
  const day = (offset: number) => new Date(now - offset).toISOString().slice(0, 10);
  // records may straddle midnight: one file per day they fall on
  for (const d of new Set([day(0), day(400 * 60_000)]))
    await writeFile(
      join(dir, `predictions-${d}.jsonl`),
      `${lines.filter((l) => l.includes(`"time":"${d}`)).join("\n")}\n`,
    );
  return dir;
}

let github: FakeGitHub;
beforeEach(async () => {
  // dispatches are checked against what .github/workflows declares, as GitHub checks them
  github = new FakeGitHub({
    owner: "acme",
    repo: "models",
    token: TOKEN,
    workflows: await declaredWorkflows(ROOT),
  });
  await github.start();
  return () => github.stop();
});

const monitorRun = (logDir: string, extra: Record<string, string> = {}) =>
  runAction(action, repo, repo, github, {
    token: TOKEN,
    environment: "staging",
    log: logDir,
    since: "2d",
    ...extra,
  });

describe("the monitor action", () => {
  it("opens one drift issue, updates it on the next drifting run, closes it after healthy runs, and dispatches retraining when asked", async () => {
    const drifting = await log("drifting", true);
    const healthy = await log("healthy", false);

    const first = await monitorRun(drifting, { retrain: "true", "close-after": "2" });
    expect(first.code, first.stdout).toBe(0);
    expect(first.outputs.drifted).toBe("co2-forecast");
    expect(github.issues).toHaveLength(1);
    const issue = github.issues[0]!;
    expect(issue).toMatchObject({
      state: "open",
      title: "Drift: co2-forecast in staging",
      labels: ["drift"],
    });
    expect(issue.body).toMatch(
      /<!-- lockstep:drift model=co2-forecast environment=staging healthy=0 retrained=\d{4}-\d\d-\d\dT[\d:.]+Z -->/,
    );
    expect(issue.body).toContain("| monthly_change | numeric | ks |");
    expect(github.dispatches).toEqual([
      { workflow: "train.yml", ref: "main", inputs: { model: "co2-forecast", environment: "staging" } },
    ]);
    expect(first.summary).toContain("### co2-forecast v1: drift");
    expect(JSON.parse(first.outputs.issues!)).toEqual([
      {
        model: "co2-forecast",
        action: "opened",
        number: issue.number,
        url: expect.stringContaining(`/issues/${issue.number}`),
      },
    ]);

    const second = await monitorRun(drifting, { "close-after": "2" });
    expect(JSON.parse(second.outputs.issues!)[0].action).toBe("updated");
    expect(github.issues).toHaveLength(1); // no duplicate
    expect(github.calls.filter((c) => c.path.includes("/comments"))).toEqual([]); // no comment spam
    expect(github.dispatches).toHaveLength(1); // retraining only when asked
    // asked again within the cooldown: drift shaped by traffic cannot dispatch training every run
    const again = await monitorRun(drifting, { retrain: "true", "close-after": "2" });
    expect(again.code, again.stdout).toBe(0);
    expect(github.dispatches).toHaveLength(1);
    expect(again.stdout).toMatch(
      /::notice::co2-forecast: drifting, but retraining was dispatched within 168 h: next after /,
    );

    const calm = await monitorRun(healthy, { "close-after": "2" });
    expect(calm.outputs.drifted).toBe("");
    expect(github.issues[0]).toMatchObject({ state: "open" });
    expect(github.issues[0]!.body).toContain("healthy=1");
    await monitorRun(healthy, { "close-after": "2" });
    expect(github.issues[0]).toMatchObject({ state: "closed" });
    expect(github.issues[0]!.body).toContain("healthy=2");
    // healthy with nothing open: nothing to do
    const quiet = await monitorRun(healthy);
    expect(JSON.parse(quiet.outputs.issues!)).toEqual([]);
    expect(github.issues).toHaveLength(1);
    // drifting again, with the last issue closed: a new issue, and still no second dispatch (the
    // cooldown reads the closed issue's marker too)
    const relapse = await monitorRun(drifting, { retrain: "true", "close-after": "2" });
    expect(relapse.code, relapse.stdout).toBe(0);
    expect(github.issues).toHaveLength(2);
    expect(github.dispatches).toHaveLength(1);
  }, 120_000);

  it("end to end: served shifted traffic moves the gauge, lockstep monitor exits 1, the action opens one issue and then updates it", async () => {
    const logDir = join(repo, "logs", "served");
    const metrics = await sendShiftedCo2(join(repo, "models.lock.json"), logDir);
    const gauge = /lockstep_feature_drift\{model="co2-forecast",feature="monthly_change"\} (\S+)/.exec(
      metrics,
    );
    expect(Number(gauge![1])).toBeGreaterThan(1);

    const out = {
      text: "",
      result: (t: string) => void (out.text += t),
      json() {},
      progress() {},
      warn() {},
      error() {},
    };
    const cli = await run(
      ["monitor", "co2-forecast", "--lock", join(repo, "models.lock.json"), "--log", logDir],
      out,
    );
    expect(cli.exitCode).toBe(1);
    expect(out.text).toMatch(/^# co2-forecast v1: drift/m);

    const first = await monitorRun(logDir);
    expect(first.code, first.stdout).toBe(0);
    expect(github.issues).toHaveLength(1);
    expect(github.issues[0]).toMatchObject({ state: "open", title: "Drift: co2-forecast in staging" });
    const second = await monitorRun(logDir);
    expect(JSON.parse(second.outputs.issues!)[0].action).toBe("updated");
    expect(github.issues).toHaveLength(1);
  }, 120_000);

  it("says when a model has no traffic, and refuses bad inputs", async () => {
    const empty = join(await mkdtemp(join(tmpdir(), "lockstep-empty-log-")), "log");
    await mkdir(empty);
    const none = await monitorRun(empty);
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/::warning::co2-forecast: no predictions of co2-forecast/);
    expect(github.issues).toHaveLength(0);
    for (const [inputs, message] of [
      [{ "close-after": "zero" }, /close-after must be a whole number/],
      [{ "retrain-workflow": "../evil" }, /retrain-workflow must be a workflow file name/],
      [{ models: "co2-forecast,Bad Model" }, /is not a model name/],
    ] as const) {
      const result = await monitorRun(empty, inputs);
      expect(result.code).not.toBe(0);
      expect(result.stdout).toMatch(message);
    }
  });
});
