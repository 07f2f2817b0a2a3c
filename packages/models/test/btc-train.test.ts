import { createHash } from "node:crypto";
import * as ort from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import { readCard, type ModelCard } from "@lockstep/onnx";
import {
  btcSignal,
  decodeRequest,
  encodeAnswer,
  getModel,
  ModelError,
  type TrainedModel,
  trainModel,
} from "../src/index.js";
import { LOOKBACK, syntheticCandles, type CandleSeries } from "../src/btc-signal/index.js";
import { binanceKline } from "./binance-kline.js";

// A tiny budget keeps the suite fast; the default budget is what `lockstep train` runs.
const params = btcSignal.parseParams(btcSignal.smokeParams);
const quiet = { log: () => {} };
const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

let data: CandleSeries;
let trained: TrainedModel;
let card: ModelCard;
let session: ort.InferenceSession;
beforeAll(async () => {
  data = await btcSignal.loadData(btcSignal.defaultData, quiet);
  trained = await trainModel(btcSignal, data, params, quiet);
  card = readCard(trained.onnx);
  session = await ort.InferenceSession.create(trained.onnx);
}, 120_000);

async function predict(request: unknown) {
  const spec = getModel("btc-signal");
  const decoded = await decodeRequest(spec.serving, request, card);
  const feeds = Object.fromEntries(
    Object.entries(decoded.feeds).map(([k, t]) => [k, new ort.Tensor(t.type, t.data, t.dims)]),
  );
  return encodeAnswer(spec.serving, (await session.run(feeds)) as never, card, decoded.context) as {
    signal: string;
    probabilities: Record<string, number>;
    warnings?: string[];
  };
}

describe("btc-signal training (S&P 500 daily candles from vega-datasets, tiny budget)", () => {
  it("loads the offline default data", () => {
    expect(data.candles.length).toBeGreaterThan(2000);
    expect(data.intervalMs).toBe(86_400_000);
    expect(data.gaps.length).toBeGreaterThan(0); // weekends and holidays
  });

  it("reports the gate's metrics, a backtest beside buy and hold, and passes parity", () => {
    const m = trained.metrics;
    for (const key of ["auc_ovr_weighted", "macro_f1", "accuracy", "backtest_return", "buy_hold_return"]) {
      expect(Number.isFinite(m[key]), key).toBe(true);
    }
    expect(m.auc_ovr_weighted).toBeGreaterThan(0.3);
    expect(m.auc_ovr_weighted).toBeLessThan(0.8); // an AUC far above this on daily index data would mean a leak
    expect(trained.parity.maxAbsDiff).toBeLessThan(1e-4);
    expect(trained.evaluation.protocol).toMatch(/expanding walk-forward: 2 folds .* purge 10 bars/);
    // the lock holds at most 200 characters of protocol: a longer one could never be pinned
    expect(trained.evaluation.protocol.length).toBeLessThanOrEqual(200);
    expect(trained.report).toContain("| **Lockstep (selected features, tuned)** |");
    expect(trained.report).toContain("lockstep-asset:equity.svg");
    // under the title, the headline: AUC beside the baselines of the same folds, returns in percent
    expect(trained.report).toMatch(
      /^# [^\n]+\n\n\*\*At a glance\*\*\n\n- AUC \(weighted one-vs-rest\) [\d.]+ vs majority class [\d.]+ vs logistic regression [\d.]+ vs GBDT, all features, untuned [\d.]+\n- backtest return -?[\d.]+% vs buy-and-hold -?[\d.]+% vs always flat 0\.00% vs logistic regression -?[\d.]+%\n/,
    );
    // the gate metric on each walk-forward fold, for the paired gate
    expect(trained.evaluation.folds?.auc_ovr_weighted).toHaveLength(2);
    // every class labelled on daily index data (the fixed 1.5% barriers labelled no bar "hold")
    expect(trained.report).toMatch(
      /Labels: sell [1-9]\d*, hold [1-9]\d*, buy [1-9]\d* \(triple barrier ±1\.25σ√10/,
    );
    expect(trained.report).toMatch(
      /\| logistic regression \| [\d.]+ \| [\d.]+ ± [\d.]+ \| [\d.]+ \| -?[\d.]+% \|/,
    );
    expect(trained.report).toContain("| always flat | 0.0% | 0 | 0.0% |");
    for (const key of ["auc_fold_mean", "auc_fold_sd", "logistic_auc", "logistic_backtest_return"])
      expect(Number.isFinite(m[key]), key).toBe(true);
    expect(trained.assets?.["equity.svg"]).toMatch(/^<svg/);
    expect(trained.assets?.["confusion.svg"]).toMatch(/^<svg/);
  });

  it("carries its card: labels, selected features, drift profile, gaps, protocol", () => {
    expect(card.name).toBe("btc-signal");
    expect(card.labels).toEqual(["sell", "hold", "buy"]);
    expect(card.metrics).toEqual(trained.metrics);
    const serving = card.serving as { featureNames: string[]; lookback: number };
    expect(serving.lookback).toBe(LOOKBACK);
    const profile = card.featureProfile as {
      features: Record<string, unknown>;
      predictions: Record<string, { kind: string }>;
    };
    expect(Object.keys(profile.features).sort()).toEqual([...serving.featureNames].sort());
    expect(Object.keys(profile.predictions).sort()).toEqual(["p_buy", "p_hold", "p_sell", "signal"]);
    expect(profile.predictions.signal!.kind).toBe("categorical");
    expect(card.preprocessing?.gapCount).toBe(data.gaps.length);
  });

  it.each([
    [[0.7, 0.2, 0.1], "sell"],
    [[0.1, 0.8, 0.1], "hold"],
    [[0.05, 0.15, 0.8], "buy"],
    [[0.3, 0.34, 0.36], "buy"],
    [[0.4, 0.35, 0.25], "sell"],
  ])("answers, for probabilities %j, the most probable label: %s", (probabilities, signal) => {
    const context = { time: "2024-01-01T00:00:00.000Z", warnings: [] };
    const outputs = {
      probabilities: { type: "float32", data: Float32Array.from(probabilities), dims: [1, 3] },
    };
    const answer = encodeAnswer(btcSignal.serving, outputs as never, card, context) as {
      signal: string;
      probabilities: Record<string, number>;
    };
    expect(answer.signal).toBe(signal);
    expect(answer.probabilities[signal]).toBe(Math.max(...Object.values(answer.probabilities)));
    expect(Object.keys(answer.probabilities)).toEqual(["sell", "hold", "buy"]);
  });

  it("is deterministic: the same data, params and seed give byte-identical ONNX", async () => {
    const again = await trainModel(btcSignal, data, params, quiet);
    expect(sha(again.onnx)).toBe(sha(trained.onnx));
  }, 120_000);

  it("serves its golden requests and the source system's candle rows", async () => {
    for (const request of btcSignal.serving.golden) {
      const answer = await predict(request);
      expect(["sell", "hold", "buy"]).toContain(answer.signal);
      // the signal is the most probable label: its probability is above every other's
      for (const [label, p] of Object.entries(answer.probabilities))
        if (label !== answer.signal) expect(answer.probabilities[answer.signal]!, label).toBeGreaterThan(p);
      const total = Object.values(answer.probabilities).reduce((a, b) => a + b, 0);
      expect(total).toBeCloseTo(1, 4);
      expect(answer.warnings?.[0]).toMatch(/trained on 1440-minute candles/); // 4-hour candles to a daily model
    }
    const rows = data.candles.slice(-LOOKBACK).map((c) => ({
      TimeKey: new Date(c.time).toISOString(),
      Open: c.open,
      High: c.high,
      Low: c.low,
      Close: c.close,
      Volume: c.volume,
    }));
    const answer = await predict({ candles: rows });
    expect(answer.warnings?.some((w) => w.includes("minutes apart"))).toBeFalsy();
    // the same candles as exchange klines (Binance's 12-field rows, prices as strings)
    const klines = data.candles.slice(-LOOKBACK).map((c) => binanceKline(c, 86_400_000));
    expect(await predict({ candles: klines })).toEqual(answer);
    expect(await predict(klines)).toEqual(answer); // the exchange's answer as it is
  });

  it.each([
    ["a string", "buy?", /expected \{"candles"/],
    ["too few candles", { candles: syntheticCandles(10, 1) }, /at least 120 items/],
    ["too many candles", { candles: syntheticCandles(2001, 1) }, /at most 2000 items/],
    ["an unknown field", { candles: syntheticCandles(LOOKBACK, 1), extra: 1 }, /unknown field "extra"/],
    ["unsorted candles", { candles: syntheticCandles(LOOKBACK, 1).reverse() }, /not in time order/],
    [
      "a NaN close",
      { candles: syntheticCandles(LOOKBACK, 1).map((c, i) => (i === 5 ? { ...c, close: "NaN" } : c)) },
      /not a finite number/,
    ],
    [
      "a non-object candle",
      { candles: [...syntheticCandles(LOOKBACK - 1, 1), 42] },
      /"candles\[119\]": expected a candle/,
    ],
    [
      "a short kline array",
      { candles: [...syntheticCandles(LOOKBACK - 1, 1), [1, 2, 3]] },
      /"candles\[119\]": expected a candle/,
    ],
    [
      "a kline with a non-numeric price",
      { candles: [[0, "1", "x", "1", "1", "1"], ...syntheticCandles(LOOKBACK - 1, 1)] },
      /candle 0.*not a finite number/,
    ],
  ])("rejects %s with a clear REQUEST_INVALID", (_, request, pattern) => {
    let error: unknown;
    try {
      decodeRequest(btcSignal.serving, request, card);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).code).toBe("REQUEST_INVALID");
    expect((error as Error).message).toMatch(pattern);
  });
});
