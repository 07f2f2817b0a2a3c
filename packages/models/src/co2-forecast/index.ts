import { readDataUri } from "@lockstep/data";
import type { ModelSpec } from "../spec.js";
import { co2Headline } from "./headline.js";
import { parseCo2Csv, type MonthlySeries } from "./data.js";
import { defaultCo2Params, parseCo2Params, type Co2Params } from "./params.js";
import { co2Serving } from "./serving.js";

export const CO2_DEFAULT_DATA = "npm:vega-datasets/data/co2-concentration.csv";

export const co2Forecast: ModelSpec<MonthlySeries, Co2Params> = {
  name: "co2-forecast",
  task: "time-series-forecast",
  trainer: { name: "lockstep/co2-forecast lstm-residual", version: "5" },
  description: "Monthly Mauna Loa CO2 forecast (ppm) with prediction intervals",
  gate: { metric: "mape_h12", goal: "minimize", minImprovement: 0, minStandardErrors: 2 },
  defaultData: CO2_DEFAULT_DATA,
  defaultParams: defaultCo2Params,
  smokeParams: {
    windows: [60, 120],
    degrees: [1],
    harmonics: [2, 4],
    halfLives: [0],
    selectionOrigins: 12,
    ensemble: 2,
    units: 4,
    members: 1,
    epochs: 2,
  },
  parseParams: parseCo2Params,
  async loadData(uri, context) {
    const bytes = await readDataUri(context.dataPath ?? uri, {
      baseDir: context.baseDir,
      env: context.env,
      maxBytes: 32 * 1024 * 1024,
    });
    return parseCo2Csv(bytes.toString("utf8"), uri);
  },
  // the trainer loads only when a model is trained, never when a server imports the registry
  train: async (data, params, context) => (await import("./train.js")).trainCo2(data, params, context),
  serving: co2Serving,
  headline: co2Headline,
};

export { parseCo2Csv, seriesSha256, type MonthlySeries } from "./data.js";
export { parseCo2Params, defaultCo2Params, type Co2Params } from "./params.js";
export { forecastOperator, residualOperator, applyOperator, type LocalTrendConfig } from "./local-trend.js";
export { seasonalNaive, seasonalNaiveDrift } from "./forecaster.js";
export { backtestOrigins, FORECASTERS } from "./backtest.js";
export { EVAL_HORIZONS } from "./params.js";
