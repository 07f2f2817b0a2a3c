import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeGitHub } from "@lockstep/github/testing";
import { bumpPin, emptyLock, serializeLock, type Pin } from "@lockstep/lockfile";
import { numericProfile } from "@lockstep/ml";
import { monitorReportPrefix, monitorWindow, type PredictionRecord } from "@lockstep/monitor";
import { buildActions } from "../scripts/build.js";
import { exec, repository, runAction } from "./runner.js";

/*
 * The bundled promote-model action against the GitHub API fake: staging's pin merged two days ago,
 * the monitor's latest report of it in a file store named by the report-store input; the pull
 * request's body carries the evidence. Without report-store it says no report was read.
 */

const TOKEN = "ghs_promote";
const SHA = "ab".repeat(32);
const pin: Pin = {
  version: "3",
  sha256: SHA,
  bytes: 1234,
  uri: `s3://lockstep-artifacts/models/sha256/${SHA}`,
  metrics: { mape_h12: 0.1 },
  evaluation: { protocol: "rolling-origin backtest", dataset: "builtin:co2", datasetSha256: "e".repeat(64) },
  trainedAt: "2026-11-01T10:00:00.000Z",
  source: {},
};
let work: string;
let promote: string;
let github: FakeGitHub;

beforeAll(async () => {
  [promote] = await buildActions(["promote-model"]);
  work = await mkdtemp(join(tmpdir(), "lockstep-promote-evidence-"));
  github = new FakeGitHub({ owner: "acme", repo: "models", token: TOKEN });
  await github.start();
});
afterAll(() => github.stop());

/** A report as the monitor writes it: monitorWindow over records at the profile's own values. */
async function publishReport(store: string): Promise<void> {
  const values = Array.from({ length: 200 }, (_, i) => 300 + (i % 50));
  const records: PredictionRecord[] = values.map((v, i) => ({
    time: new Date(Date.UTC(2026, 11, 6, 0, i)).toISOString(),
    requestId: `r${i}`,
    model: "co2-forecast",
    version: pin.version,
    sha256: SHA,
    features: { last_value: v },
    prediction: {},
    latencyMs: 1,
    cached: false,
  }));
  const result = monitorWindow(
    { model: "co2-forecast", version: pin.version, sha256: SHA },
    { features: { last_value: numericProfile(values) }, predictions: {} },
    { records, invalid: 0, otherModel: 0, otherArtifact: 0, older: 0 },
  );
  const folder = join(store, monitorReportPrefix("co2-forecast", "staging"), "latest");
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, "result.json"), JSON.stringify(result));
}

describe("promote-model action: staging's evidence", () => {
  it("puts the time served and the latest report in the pull request", async () => {
    const { clone } = await repository(work);
    const lock = bumpPin(emptyLock(), "co2-forecast", "staging", pin, {
      metric: "mape_h12",
      goal: "minimize",
      minImprovement: 0,
    });
    await writeFile(join(clone, "models.lock.json"), serializeLock(lock));
    await exec("git", ["add", "models.lock.json"], { cwd: clone });
    const merged = new Date(Date.now() - 2 * 86_400_000).toISOString();
    await exec("git", ["-c", "user.email=t@x", "-c", "user.name=t", "commit", "-q", "-m", "staging pin"], {
      cwd: clone,
      env: { ...process.env, GIT_COMMITTER_DATE: merged, GIT_AUTHOR_DATE: merged },
    });
    await exec("git", ["push", "-q", "origin", "main"], { cwd: clone });
    const store = join(work, "reports");
    await publishReport(store);

    const run = await runAction(promote, work, clone, github, {
      model: "co2-forecast",
      token: TOKEN,
      "report-store": `file://${store}`,
    });
    expect(run.code, run.stdout).toBe(0);
    const body = github.pulls.find((p) => p.head === "lockstep/promote/co2-forecast/production")!.body;
    expect(body).toMatch(/\| served in staging \| 2d: pinned since .* UTC \(`[0-9a-f]{12}`\) \|/);
    expect(body).toMatch(/\| requests \| 200 \(monitor report, its window 2026-12-06 00:00 UTC – 2026-12-06 03:19 UTC\) \|/); // prettier-ignore
    expect(body).toMatch(/\| latest monitor report \| ✅ healthy: 200 predictions/);
    expect(run.summary).toContain("### Evidence from `staging`");

    // without report-store this job reads no store: the body says so
    const bare = await runAction(promote, work, clone, github, { model: "co2-forecast", token: TOKEN });
    expect(bare.code, bare.stdout).toBe(0);
    const again = github.pulls.find((p) => p.head === "lockstep/promote/co2-forecast/production")!.body;
    expect(again).toContain(
      "| latest monitor report | ⚠️ no report store configured to read staging's monitor reports from (--report-store, LOCKSTEP_REPORT_STORE) |",
    );
    expect(again).toContain("| requests | ⚠️ no Prometheus URL (--prometheus, LOCKSTEP_PROMETHEUS_URL) and no monitor report of this pin |"); // prettier-ignore
  });
});
