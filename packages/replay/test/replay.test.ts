import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { trainInto, trainedProject } from "@lockstep/inference/testing";
import type { LockFile, Pin } from "@lockstep/lockfile";
import { btc } from "@lockstep/models";
import { replayLine, type ReplayRecord } from "@lockstep/monitor";
import { startS3 } from "@lockstep/store/testing";
import {
  exportSample,
  readSample,
  replayAgainstPin,
  replayJson,
  replayMarkdown,
  ReplayError,
  type ClassComparison,
  type ValueComparison,
} from "../src/index.js";

let dir: string;
let lock: LockFile;
let co2Candidate: Pin;
let btcPin: Pin;
let btcCandidate: Pin;

/** Sample lines of `model` as the server writes them, answered by `sha256`. */
function sampleLines(model: string, sha256: string, bodies: unknown[], version = "1"): string[] {
  return bodies.map((body, i) =>
    replayLine({
      time: new Date(Date.UTC(2026, 11, 7, 10, 0, i)).toISOString(),
      requestId: `${model}-${i}`,
      model,
      version,
      sha256,
      route: `/v1/models/${model}/predict`,
      kind: "json",
      body: JSON.stringify(body),
    } satisfies ReplayRecord),
  );
}

beforeAll(async () => {
  ({ dir, lock } = await trainedProject());
  // a different co2 candidate: more epochs (other weights, other forecasts)
  co2Candidate = (await trainInto(dir, lock, "co2-forecast", { epochs: 6, units: 6 })).candidate.pin;
  ({ lock } = await trainInto(dir, lock, "btc-signal"));
  btcPin = lock.models["btc-signal"]!.pins.staging!;
  btcCandidate = (await trainInto(dir, lock, "btc-signal", { trials: 2, seed: 7 })).candidate.pin;
  await writeFile(join(dir, "models.lock.json"), JSON.stringify(lock, null, 2));
}, 600_000);

const lockPath = () => join(dir, "models.lock.json");
const co2Pin = () => lock.models["co2-forecast"]!.pins.staging!;

async function writeSample(name: string, lines: string[]): Promise<string> {
  const folder = join(dir, name);
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, "replay-2026-12-07.jsonl"), `${lines.join("\n")}\n`);
  return folder;
}

describe("lockstep replay's library: the sample through the pin and a candidate", () => {
  it("compares forecasts per horizon and predicts the canary's value-shift verdict", async () => {
    const bodies = Array.from({ length: 60 }, (_, i) => ({ horizon: 1 + (i % 24) }));
    const sampleUri = await writeSample("co2-sample", sampleLines("co2-forecast", co2Pin().sha256, bodies));
    const report = await replayAgainstPin({
      model: "co2-forecast",
      environment: "staging",
      lock,
      lockPath: lockPath(),
      candidate: co2Candidate.sha256,
      storeUri: "file://.lockstep/store",
      sampleUri,
    });
    expect(report.sample.requests).toBe(60);
    expect(report.candidate.sha256).toBe(co2Candidate.sha256);
    const comparison = report.comparison as ValueComparison;
    expect(comparison.kind).toBe("values");
    expect(comparison.horizons).toHaveLength(24);
    expect(comparison.horizons[0]!.n).toBe(60);
    expect(comparison.horizons[23]!.n).toBe(2);
    // a different model: its forecasts move
    expect(comparison.horizons.some((h) => h.meanAbs > 0)).toBe(true);
    const shift = report.canary.measurements.find((m) => m.name === "value-shift")!;
    expect(shift.threshold).toBe(0.02);
    expect(shift.test).toMatchObject({ level: 0.99 });
    expect(["pass", "fail", "inconclusive"]).toContain(report.canary.verdict);
    const markdown = replayMarkdown(report, 3);
    expect(markdown).toMatch(/^### Shadow replay: co2-forecast \(staging\)/);
    expect(markdown).toContain("Predicted canary verdict");
    expect(markdown).toMatch(/\| 24 \| 2 \|/);
    // the JSON leaves out the raw values
    expect((replayJson(report) as { comparison: object }).comparison).not.toHaveProperty("values");
  });

  it("replays the pin against itself as no change, and the canary would pass", async () => {
    const bodies = Array.from({ length: 60 }, (_, i) => ({ horizon: 1 + (i % 12) }));
    const sampleUri = await writeSample("co2-self", sampleLines("co2-forecast", co2Pin().sha256, bodies));
    const report = await replayAgainstPin({
      model: "co2-forecast",
      environment: "staging",
      lock,
      lockPath: lockPath(),
      candidate: join(dir, ".lockstep", "store", "sha256", co2Pin().sha256),
      storeUri: "file://.lockstep/store",
      sampleUri,
    });
    const comparison = report.comparison as ValueComparison;
    expect(comparison.horizons.every((h) => h.meanAbs === 0)).toBe(true);
    expect(report.changedMost).toEqual([]);
    expect(report.canary.measurements.find((m) => m.name === "value-shift")!.verdict).toBe("pass");
    expect(report.canary.measurements.find((m) => m.name === "error-ratio")!.value).toBe(0);
  });

  it("gives a classifier's top-1 agreement, its flip matrix and the class-share test", async () => {
    const bodies = Array.from({ length: 80 }, (_, i) => ({
      candles: btc.syntheticCandles(btc.LOOKBACK + (i % 20), 100 + i),
    }));
    const sampleUri = await writeSample("btc-sample", sampleLines("btc-signal", btcPin.sha256, bodies));
    const report = await replayAgainstPin({
      model: "btc-signal",
      environment: "staging",
      lock,
      lockPath: lockPath(),
      candidate: `sha256:${btcCandidate.sha256}`,
      storeUri: "file://.lockstep/store",
      sampleUri,
    });
    const comparison = report.comparison as ClassComparison;
    expect(comparison.kind).toBe("classes");
    expect(comparison.compared).toBe(80);
    const diagonal = Object.entries(comparison.flips).reduce((s, [a, row]) => s + (row[a] ?? 0), 0);
    expect(comparison.agreement).toBeCloseTo(diagonal / 80, 10);
    const total = Object.values(comparison.flips).flatMap((row) => Object.values(row));
    expect(total.reduce((a, b) => a + b, 0)).toBe(80);
    const share = report.canary.measurements.find((m) => m.name === "class-share-shift")!;
    expect(share.threshold).toBe(0.15);
    expect(share.test).toHaveProperty("pValue");
    expect(replayMarkdown(report)).toContain("Top-1 agreement");
  });

  it("skips and counts other models' and artifacts', malformed and oversized records; an empty window is REPLAY_EMPTY", async () => {
    const good = sampleLines("co2-forecast", co2Pin().sha256, [{ horizon: 3 }, { horizon: 4 }]);
    const lines = [
      ...good,
      ...sampleLines("co2-forecast", "0".repeat(64), [{ horizon: 5 }]),
      ...sampleLines("btc-signal", btcPin.sha256, [{ candles: [] }]),
      '{"time": "yesterday"}',
      "{not json",
      sampleLines("co2-forecast", co2Pin().sha256, [{ history: Array(40_000).fill(400) }])[0]!,
      // answered by the pin once, refused by the request schema now: counted as refused, not fatal
      ...sampleLines("co2-forecast", co2Pin().sha256, [{ horizon: "x" }]),
      // a hostile body nested 100,000 deep (the server refuses past 32): refused, never a crash
      sampleLines("co2-forecast", co2Pin().sha256, [{ horizon: 1 }])[0]!.replace(
        '{"horizon":1}',
        `{"horizon":${"[".repeat(100_000)}${"]".repeat(100_000)}}`,
      ),
    ];
    const sampleUri = await writeSample("co2-mixed", lines);
    const read = await readSample(sampleUri, {
      model: "co2-forecast",
      sha256: co2Pin().sha256,
      maxLineChars: 100_000,
    });
    expect(read).toMatchObject({ invalid: 2, oversized: 2, otherModel: 1, otherArtifact: 1 });
    expect(read.requests).toHaveLength(3); // the deep one is over maxLineChars here
    const report = await replayAgainstPin({
      model: "co2-forecast",
      environment: "staging",
      lock,
      lockPath: lockPath(),
      candidate: co2Candidate.sha256,
      storeUri: "file://.lockstep/store",
      sampleUri,
    });
    expect(report.sample.skipped).toMatchObject({ invalid: 2, otherModel: 1, otherArtifact: 1 });
    // the long history (within replay's default line size), the bad horizon, the deep nesting: refused by both
    expect(report.pin.refused).toBe(3);
    expect(report.changedMost.filter((c) => c.refusedBy)).toEqual([]);
    const empty = await writeSample("btc-only", sampleLines("btc-signal", btcPin.sha256, [{ candles: [] }]));
    const error = await replayAgainstPin({
      model: "co2-forecast",
      environment: "staging",
      lock,
      lockPath: lockPath(),
      candidate: co2Candidate.sha256,
      storeUri: "file://.lockstep/store",
      sampleUri: empty,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplayError);
    expect(error).toMatchObject({
      code: "REPLAY_EMPTY",
      message: expect.stringMatching(/1 of other models/),
    });
  });

  it("never loads a candidate whose sha256 does not match, nor one of another model", async () => {
    const base = {
      model: "co2-forecast",
      environment: "staging",
      lock,
      lockPath: lockPath(),
      storeUri: "file://.lockstep/store",
      sampleUri: await writeSample("co2-two", sampleLines("co2-forecast", co2Pin().sha256, [{ horizon: 1 }])),
    };
    const fail = (candidate: string | Pin) =>
      replayAgainstPin({ ...base, candidate }).catch((e: unknown) => e);
    // a store object whose bytes were changed: the store's verified read refuses it
    const tampered = join(dir, ".lockstep", "store", "sha256", co2Candidate.sha256);
    const original = await readFile(tampered);
    const changed = Buffer.from(original);
    changed[changed.length - 1] ^= 1;
    await writeFile(tampered, changed);
    try {
      expect(await fail(co2Candidate.sha256)).toMatchObject({ code: "STORE_INTEGRITY" });
      expect(await fail(co2Candidate)).toMatchObject({ code: "STORE_INTEGRITY" });
    } finally {
      await writeFile(tampered, original);
    }
    expect(await fail("f".repeat(64))).toMatchObject({ code: "CANDIDATE_INVALID" });
    expect(await fail(join(dir, "no-such.onnx"))).toMatchObject({ code: "CANDIDATE_INVALID" });
    expect(await fail(join(dir, "models.lock.json"))).toMatchObject({ code: "CANDIDATE_INVALID" });
    // a btc-signal artifact offered as co2-forecast's candidate
    expect(await fail(btcCandidate.sha256)).toMatchObject({ code: "CANDIDATE_MISMATCH" });
  });

  it("exports a sample to the loopback S3 store and replays it from there, the candidate fetched from S3 by sha256", async () => {
    const s3 = await startS3("replay");
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: "S3RVER",
      AWS_SECRET_ACCESS_KEY: "S3RVER",
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_REGION: "us-east-1",
    };
    try {
      const folder = await writeSample(
        "co2-export",
        sampleLines(
          "co2-forecast",
          co2Pin().sha256,
          Array.from({ length: 10 }, (_, i) => ({ horizon: i + 1 })),
        ),
      );
      const read = await readSample(folder, { model: "co2-forecast" });
      const exported = await exportSample(read, "co2-forecast", "s3://replay/lockstep", { env });
      expect(exported.latest).toBe("s3://replay/lockstep/data/replay/co2-forecast/latest.jsonl");
      const { openStore } = await import("@lockstep/store");
      const s3Store = openStore("s3://replay/lockstep", { env });
      await s3Store.put(await readFile(join(dir, ".lockstep", "store", "sha256", co2Candidate.sha256)));
      const report = await replayAgainstPin({
        model: "co2-forecast",
        environment: "staging",
        lock,
        lockPath: lockPath(),
        candidate: co2Candidate.sha256,
        storeUri: "s3://replay/lockstep",
        sampleUri: exported.latest,
        env,
        limit: 4,
      });
      expect(report.sample.requests).toBe(4);
      expect(report.candidate.source).toBe(`s3://replay/lockstep/sha256/${co2Candidate.sha256}`);
      const missing = await readSample(
        "s3://replay/lockstep/data/replay/co2-forecast/none.jsonl",
        {
          model: "co2-forecast",
        },
        { env },
      ).catch((e: unknown) => e);
      expect(missing).toMatchObject({ code: "SAMPLE_INVALID" });
    } finally {
      await s3.close();
    }
  });
});
