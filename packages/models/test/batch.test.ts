/* eslint-disable @typescript-eslint/no-explicit-any -- cards here are stubs with only what the adapters read */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { btc, btcSignal, co2Forecast, fishClassifier } from "../src/index.js";

const io = { log: () => {} };
const SAMPLE = resolve(import.meta.dirname, "../../samples/fish4knowledge-sample");

describe("btc-signal's batch adapter", () => {
  const candles = btc.syntheticCandles(400, 7);
  const barriers = { upperPct: 1.5, lowerPct: 1.5, horizonBars: 6 };
  const card = {
    serving: { lastCandle: new Date(candles[199]!.time).toISOString(), barriers, intervalMs: 4 * 3600_000 },
  } as any;

  it("asks for one signal per bar after the training data, with its triple-barrier truth once it is known", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lockstep-batch-"));
    const file = join(dir, "candles.json");
    await writeFile(
      file,
      JSON.stringify(candles.map((c) => [c.time, c.open, c.high, c.low, c.close, c.volume])),
    );
    const rows = await btcSignal.serving.batch!.rows(file, card, io);
    expect(rows).toHaveLength(200);
    expect(rows[0]!.time).toBe(new Date(candles[200]!.time).toISOString());
    const request = rows[0]!.request as { candles: number[][] };
    expect(request.candles).toHaveLength(btc.LOOKBACK);
    expect(request.candles.at(-1)![0]).toBe(candles[200]!.time);
    // the last bars have not reached a barrier or the horizon yet: no truth
    expect(rows.filter((r) => r.truth === undefined)).toHaveLength(barriers.horizonBars);
    const expected = btc.CLASSES[btc.tripleBarrierLabel(candles, 200, barriers, 4 * 3600_000)!];
    expect(rows[0]!.truth).toBe(expected);
  });

  it("refuses candles of another bar size than the model's: their features and truth are not its own", async () => {
    const file = join(await mkdtemp(join(tmpdir(), "lockstep-batch-")), "hourly.json");
    await writeFile(file, JSON.stringify(btc.syntheticCandles(400, 7, 3600_000)));
    await expect(btcSignal.serving.batch!.rows(file, card, io)).rejects.toMatchObject({
      code: "DATA_INVALID",
      message: expect.stringMatching(/60 minutes apart; the model was trained on 240-minute candles/),
    });
  });

  it("scores the realised weighted one-vs-rest AUC, and nothing when only one class arrived", () => {
    const realised = btcSignal.serving.batch!.realised!;
    const answer = (p: number[]) => ({ probabilities: { sell: p[0], hold: p[1], buy: p[2] } });
    const perfect = [
      { answer: answer([0.8, 0.1, 0.1]), truth: "sell" },
      { answer: answer([0.1, 0.8, 0.1]), truth: "hold" },
      { answer: answer([0.1, 0.1, 0.8]), truth: "buy" },
      { answer: answer([0.7, 0.2, 0.1]), truth: "sell" },
    ];
    expect(realised.score(perfect)).toBe(1);
    const backwards = perfect.map((r) => ({
      ...r,
      truth: r.truth === "sell" ? "buy" : r.truth === "buy" ? "sell" : "hold",
    }));
    expect(realised.score(backwards)!).toBeLessThan(0.5);
    expect(realised.score(perfect.filter((r) => r.truth === "sell"))).toBeUndefined();
    expect(realised.period!("2026-03-04T08:00:00.000Z")).toBe("2026-03");
  });
});

describe("co2-forecast's realised MAPE", () => {
  it("scores the forecast months that arrived, and skips those that have not", () => {
    const realised = co2Forecast.serving.batch!.realised!;
    const answer = { forecast: [{ value: 400 }, { value: 410 }, { value: 420 }] };
    expect(realised.score([{ answer, truth: { actual: [400, 400, null] } }])).toBeCloseTo(
      (100 * (10 / 400)) / 2,
      10,
    );
    expect(realised.score([{ answer, truth: { actual: [null, null, null] } }])).toBeUndefined();
  });
});

describe("fish-classifier's batch adapter", () => {
  it("reads each photo when its turn comes, its folder the truth", async () => {
    const rows = await fishClassifier.serving.batch!.rows(SAMPLE, {} as any, io);
    expect(rows).toHaveLength(190);
    expect(new Set(rows.map((r) => r.truth)).size).toBe(19);
    const bytes = await (rows[0]!.request as () => Promise<Buffer>)();
    expect(bytes.subarray(1, 4).toString()).toBe("PNG");
  });

  it("scores macro F1 over the classes the batch holds", () => {
    const realised = fishClassifier.serving.batch!.realised!;
    const row = (truth: string, predicted: string) => ({ answer: { predicted_class: predicted }, truth });
    expect(realised.score([row("a", "a"), row("b", "b")])).toBe(1);
    // a: precision 1/2, recall 1/2 → F1 1/2; b: never predicted → 0; c (predicted, absent) is not averaged
    expect(realised.score([row("a", "a"), row("b", "a"), row("a", "c")])).toBeCloseTo(0.25, 10);
    expect(realised.score([])).toBeUndefined();
  });
});
