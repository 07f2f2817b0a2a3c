import { readDataUri } from "@lockstep/data";
import type { ModelSpec } from "../spec.js";
import { btcHeadline } from "./headline.js";
import { parseCandles, type CandleSeries } from "./candles.js";
import { LOOKBACK } from "./features.js";
import { fetchKlines, isKlinesUri } from "./klines.js";
import { defaultBtcParams, parseBtcParams, type BtcParams } from "./params.js";
import { btcServing } from "./serving.js";

/** The offline default: S&P 500 daily candles from the vega-datasets npm package (the pipeline is asset-agnostic). */
export const BTC_DEFAULT_DATA = "npm:vega-datasets/data/sp500-2000.csv";

export const btcSignal: ModelSpec<CandleSeries, BtcParams> = {
  name: "btc-signal",
  task: "classification",
  trainer: { name: "lockstep/btc-signal gbdt", version: "3" },
  description: "Buy/sell/hold signal from OHLCV candles (triple-barrier labels, gradient-boosted trees)",
  gate: { metric: "auc_ovr_weighted", goal: "maximize", minImprovement: 0, minStandardErrors: 2 },
  defaultData: BTC_DEFAULT_DATA,
  defaultParams: defaultBtcParams,
  smokeParams: { trials: 3, permutationRepeats: 1, folds: 2 },
  parseParams: parseBtcParams,
  async loadData(uri, context) {
    if (isKlinesUri(uri) && !context.dataPath) return fetchKlines(uri, { log: context.log });
    const bytes = await readDataUri(context.dataPath ?? uri, {
      baseDir: context.baseDir,
      env: context.env,
      maxBytes: 256 * 1024 * 1024,
    });
    return parseCandles(bytes.toString("utf8"), uri, LOOKBACK + 50);
  },
  // an exchange's klines, kept as JSON candles: parseCandles reads them back to the same values
  snapshotOf: (series, uri) => (isKlinesUri(uri) ? Buffer.from(JSON.stringify(series.candles)) : undefined),
  // the trainer loads only when a model is trained, never when a server imports the registry
  train: async (data, params, context) => (await import("./train.js")).trainBtc(data, params, context),
  serving: btcServing,
  headline: btcHeadline,
};

export { parseCandles, candlesSha256, type Candle, type CandleSeries } from "./candles.js";
export { featureRow, featureMatrix, FEATURE_NAMES, LOOKBACK } from "./features.js";
export {
  barrierLevels,
  CLASSES,
  describeBarriers,
  labelCounts,
  tripleBarrierLabel,
  type Barriers,
} from "./labels.js";
export { buildDataset, type Dataset } from "./dataset.js";
export { backtestSignals } from "./backtest.js";
export { parseBtcParams, defaultBtcParams, type BtcParams } from "./params.js";
export { syntheticCandles } from "./serving.js";
export { fetchKlines } from "./klines.js";
