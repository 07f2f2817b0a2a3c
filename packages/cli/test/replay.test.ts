import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { FakeGitHub } from "@lockstep/github/testing";
import { configFromEnv, serveLock } from "@lockstep/inference";
import { co2Forecast } from "@lockstep/models";
import { run } from "../src/index.js";
import { capture } from "./capture.js";

const exec = promisify(execFile);
const BIN = resolve(import.meta.dirname, "../bin/lockstep.js");
const git = async (cwd: string, ...args: string[]) =>
  (
    await exec("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd })
  ).stdout.trim();

let clone: string;
let lockFile: string;
let github: FakeGitHub;
const SMALL = co2Forecast.smokeParams;

/**
 * The flow, end to end: serve a pin with the replay sample on, send traffic, train a
 * different candidate, then `lockstep replay` and `lockstep propose` against the local GitHub API
 * fake, whose pull request body carries the replay section with the canary's predicted verdict.
 */
beforeAll(async () => {
  const root = await mkdtemp(join(tmpdir(), "lockstep-replay-cli-"));
  const origin = join(root, "origin.git");
  await exec("git", ["init", "-q", "--bare", "--initial-branch=main", origin]);
  clone = join(root, "clone");
  lockFile = join(clone, "models.lock.json");
  await exec("git", ["init", "-q", "--initial-branch=main", clone]);
  await writeFile(join(clone, ".gitignore"), ".lockstep/\n");
  const out = capture();
  const trained = await run(
    ["train", "co2-forecast", "--params", JSON.stringify(SMALL), "--lock", lockFile, "--pin"],
    out,
  );
  expect(trained.exitCode, out.errors()).toBe(0);
  // the pin's recorded metric made poor, so that the next candidate wins its gate and is proposed
  const lock = JSON.parse(await readFile(lockFile, "utf8"));
  const model = lock.models["co2-forecast"];
  delete model.gate.minStandardErrors;
  model.pins.staging.metrics.mape_h12 = 99;
  await writeFile(lockFile, `${JSON.stringify(lock, null, 2)}\n`);
  await git(clone, "add", ".");
  await git(clone, "commit", "-q", "-m", "pin co2-forecast");
  await git(clone, "remote", "add", "origin", origin);
  await git(clone, "push", "-q", "origin", "main");

  // serve the pin with every answered request sampled, and send it traffic
  const config = configFromEnv({
    LOCKSTEP_LOCK: lockFile,
    PORT: "0",
    LOCKSTEP_PREDICTION_LOG: "jsonl",
    // "on": the sample goes where the prediction log goes
    LOCKSTEP_REPLAY: "on",
    LOCKSTEP_REPLAY_SAMPLE: "1",
    LOCKSTEP_WATCH_LOCK_MS: "0",
  });
  const { server, port } = await serveLock({ config, host: "127.0.0.1", logger: pino({ level: "silent" }) });
  try {
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 30; i++)
      if ((await fetch(`${url}/readyz`)).ok) break;
      else await new Promise((r) => setTimeout(r, 200));
    for (let i = 0; i < 60; i++) {
      const response = await fetch(`${url}/v1/models/co2-forecast/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ horizon: 1 + (i % 24) }),
      });
      expect(response.status).toBe(200);
    }
  } finally {
    await server.close();
  }
  // a different candidate: another seed and more epochs
  const second = capture();
  const candidate = await run(
    [
      "train",
      "co2-forecast",
      "--params",
      JSON.stringify({ ...SMALL, seed: 5, epochs: 4 }),
      "--lock",
      lockFile,
    ],
    second,
  );
  expect(candidate.exitCode, second.errors()).toBe(0);
  github = new FakeGitHub({ owner: "acme", repo: "models", token: "ghs_replay" });
  await github.start();
}, 300_000);
afterAll(() => github?.stop());

describe("lockstep replay", () => {
  it("replays the served sample through the pin and the trained candidate, with the canary's predicted verdict", async () => {
    expect(await readdir(join(clone, ".lockstep", "replay"))).toHaveLength(1);
    const out = capture();
    const { exitCode } = await run(["replay", "co2-forecast", "--lock", lockFile], out);
    expect([0, 1]).toContain(exitCode);
    expect(out.text()).toMatch(/## Shadow replay: co2-forecast \(staging\)/);
    expect(out.text()).toMatch(/60 sampled requests from/);
    expect(out.text()).toMatch(/\*\*Predicted canary verdict: (✅ pass|❌ fail|⚠️ inconclusive)\*\*/);
    expect(out.text()).toContain("| value-shift |");
    const json = capture();
    const again = await run(["replay", "co2-forecast", "--lock", lockFile, "--json", "--limit", "10"], json);
    // 10 requests are fewer than the canary's 50: inconclusive at best, so not a pass (exit 1)
    expect(again.exitCode).toBe(1);
    const report = JSON.parse(json.text());
    expect(report.sample.requests).toBe(10);
    expect(report.comparison.kind).toBe("values");
    expect(report.canary.measurements.map((m: { name: string }) => m.name)).toEqual([
      "error-ratio",
      "p99-latency",
      "value-shift",
    ]);
  });

  it("exports the sample to a store and replays it from there", async () => {
    const out = capture();
    const { exitCode } = await run(["replay", "export", "co2-forecast", "--lock", lockFile, "--json"], out);
    expect(exitCode, out.errors()).toBe(0);
    const exported = JSON.parse(out.text());
    expect(exported).toMatchObject({ requests: 60 });
    expect(exported.latest).toMatch(/data\/replay\/co2-forecast\/latest\.jsonl$/);
    const replayed = capture();
    await run(["replay", "co2-forecast", "--lock", lockFile, "--from", exported.latest, "--json"], replayed);
    expect(JSON.parse(replayed.text()).sample.requests).toBe(60);
  });

  it("lockstep monitor --replay-export publishes the pin's sample window to the store beside its report", async () => {
    const store = join(clone, ".lockstep", "monitor-store");
    const out = capture();
    const { exitCode } = await run(
      [
        "monitor",
        "co2-forecast",
        "--lock",
        lockFile,
        "--since",
        "1d",
        "--store",
        `file://${store}`,
        "--replay-export",
        "--out",
        join(clone, ".lockstep", "monitor-out"),
      ],
      out,
    );
    expect([0, 1], out.errors()).toContain(exitCode);
    const latest = await readFile(join(store, "data", "replay", "co2-forecast", "latest.jsonl"), "utf8");
    expect(latest.trim().split("\n")).toHaveLength(60);
    const replayed = capture();
    await run(
      [
        "replay",
        "co2-forecast",
        "--lock",
        lockFile,
        "--from",
        join(store, "data", "replay", "co2-forecast", "latest.jsonl"),
        "--json",
      ],
      replayed,
    );
    expect(JSON.parse(replayed.text()).sample.requests).toBe(60);
  });

  it("exits 2 with a typed error on bad input: an empty sample, a candidate that is not one, a bad limit", async () => {
    const empty = join(clone, ".lockstep", "empty-sample");
    await mkdir(empty, { recursive: true });
    const notOnnx = join(clone, ".lockstep", "not-a-model.onnx");
    await writeFile(notOnnx, "not onnx");
    const cases: [string[], RegExp][] = [
      [["--from", empty], /holds no sampled request of co2-forecast/],
      [["--candidate", notOnnx], /not an ONNX model with a card/],
      [["--candidate", "sha256:" + "e".repeat(64)], /no artifact sha256:e{64}/],
      [["--limit", "0"], /--limit must be a whole number/],
      [["--from", "s3://bucket/not-a-sample.txt"], /not an exported replay sample/],
    ];
    for (const [args, message] of cases) {
      const out = capture();
      const { exitCode } = await run(["replay", "co2-forecast", "--lock", lockFile, ...args], out);
      expect(exitCode, args.join(" ")).toBe(2);
      expect(out.errors()).toMatch(message);
    }
  });

  it("propose puts the replay section with the canary's predicted verdict in the pull request (the GitHub API fake)", async () => {
    const env = {
      ...process.env,
      GITHUB_TOKEN: "ghs_replay",
      GITHUB_REPOSITORY: "acme/models",
      GITHUB_API_URL: github.url,
    };
    const { stdout } = await exec(
      process.execPath,
      [BIN, "propose", "co2-forecast", "--json", "--lock", lockFile, "--replay-sample", ".lockstep/replay"],
      { cwd: clone, env },
    );
    expect(JSON.parse(stdout)).toMatchObject({ status: "proposed", pullRequest: { action: "created" } });
    const body = github.pulls[0]!.body!;
    expect(body).toContain("### Shadow replay: co2-forecast (staging)");
    expect(body).toMatch(/\*\*Predicted canary verdict: (✅ pass|❌ fail|⚠️ inconclusive)\*\*/);
    expect(body).toMatch(/\| value-shift \| [\d.]+ \| 0\.02 \|/);
    expect(body).toContain("Relative change of forecast_value_ppm");
    // before the deployment and the parameters: where a reviewer reads it
    expect(body.indexOf("Shadow replay")).toBeLessThan(body.indexOf("<summary>Parameters</summary>"));
    // inside the section verify-models' replay job rewrites in place
    expect(body).toMatch(
      /<!-- lockstep-section:replay -->\n### Shadow replay: co2-forecast \(staging\)[\s\S]*<!-- \/lockstep-section:replay -->/,
    );
  });
});
