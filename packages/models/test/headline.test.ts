import { describe, expect, it } from "vitest";
import type { ModelCard } from "@lockstep/onnx";
import { btc, co2, fish, formatHeadline, getModel } from "../src/index.js";

/** A card with what the committed pins hold (metrics of 2026-12-06, models.lock.json). */
const card = (metrics: Record<string, number>, extra: Partial<ModelCard> = {}) =>
  ({ metrics, ...extra }) as unknown as ModelCard;
const lines = (model: string, c: ModelCard) => getModel(model).headline!(c).map(formatHeadline);

describe("headline metrics beside their baselines", () => {
  it("co2-forecast: MAPE beside seasonal naive with drift and the trend alone, coverage beside its nominal level", () => {
    const c = card(
      {
        mape_h12: 0.10036,
        snaive_drift_mape_h12: 0.132742,
        local_trend_mape_h12: 0.125719,
        interval_coverage_h12: 0.833333,
        mape_h24: 0.12596,
      },
      { serving: { intervalLevel: 0.9 } } as never,
    );
    expect(lines("co2-forecast", c)).toEqual([
      "MAPE 12 months ahead 0.100% vs seasonal naive with drift 0.133% vs trend and seasonality alone 0.126%",
      "interval coverage 12 months ahead 83.3% vs nominal 90.0%",
      // a baseline the card lacks is left out, and a metric it lacks leaves out its line
      "MAPE 24 months ahead 0.126%",
    ]);
    expect(co2.EVAL_HORIZONS).toEqual([12, 24]);
  });

  it("btc-signal: AUC beside the evaluation's baselines, returns as percentages beside buy-and-hold and flat", () => {
    const c = card({ auc_ovr_weighted: 0.49696, backtest_return: -0.244836, buy_hold_return: -0.087277 }, {
      evaluation: {
        baselines: [
          { name: "majority class", auc: 0.5, macroF1: 0.2 },
          { name: "GBDT, all features, untuned", auc: 0.5123, macroF1: 0.3 },
        ],
      },
    } as never);
    expect(lines("btc-signal", c)).toEqual([
      "AUC (weighted one-vs-rest) 0.497 vs majority class 0.500 vs GBDT, all features, untuned 0.512",
      "backtest return -24.5% vs buy-and-hold -8.73% vs always flat 0.00%",
    ]);
    expect(btc.CLASSES).toBeDefined();
  });

  it("fish-classifier: accuracy and F1 beside the baselines on the same folds", () => {
    const c = card({ accuracy: 0.663158, macro_f1: 0.65938, top3_accuracy: 0.857895 }, {
      evaluation: {
        baselines: [{ name: "nearest class centroid", accuracy: 0.5, macroF1: 0.45, top3: 0.8 }],
      },
    } as never);
    expect(lines("fish-classifier", c)).toEqual([
      "accuracy 66.3% vs nearest class centroid 50.0%",
      "macro-F1 0.659 vs nearest class centroid 0.450",
      "top-3 accuracy 85.8% vs nearest class centroid 80.0%",
    ]);
    expect(fish.FISH_DEFAULT_DATA).toBeDefined();
  });

  it.each([
    ["baselines that are not a list", { baselines: "majority" }],
    ["rows without a name or a number", { baselines: [{ auc: 0.5 }, { name: "x", auc: "0.5" }, null, 7] }],
    ["a non-finite baseline", { baselines: [{ name: "x", auc: Number.NaN }] }],
  ])("skips %s, never fails", (_what, evaluation) => {
    const c = card({ auc_ovr_weighted: 0.5 }, { evaluation } as never);
    expect(lines("btc-signal", c)).toEqual(["AUC (weighted one-vs-rest) 0.500"]);
  });

  it("has nothing to say about a card without metrics", () => {
    expect(lines("co2-forecast", card({}))).toEqual([]);
    expect(lines("btc-signal", { metrics: { auc_ovr_weighted: "high" } } as unknown as ModelCard)).toEqual(
      [],
    );
  });
});
