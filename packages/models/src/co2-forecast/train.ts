import { checkParity, type ModelCard } from "@lockstep/onnx";
import { ModelError } from "../errors.js";
import { round } from "../phases.js";
import type { TrainContext, TrainedModel } from "../spec.js";
import { seriesSha256, type MonthlySeries } from "./data.js";
import { exportForecaster } from "./export.js";
import {
  backtest,
  intervalOffsets,
  minimumHistory,
  OperatorCache,
  selectStructure,
  type BacktestResult,
} from "./forecaster.js";
import { applyOperator } from "./local-trend.js";
import { monthIndex, monthLabel } from "./months.js";
import type { Co2Params } from "./params.js";
import { renderReport } from "./report.js";

export const TRAINER = { name: "lockstep/co2-forecast local-trend", version: "1" };

export function backtestMetrics(h: BacktestResult, suffix: string): Record<string, number> {
  return {
    [`mape${suffix}`]: round(h.model.mape),
    [`rmse${suffix}`]: round(h.model.rmse),
    [`mase${suffix}`]: round(h.model.mase),
    [`snaive_mape${suffix}`]: round(h.snaive.mape),
    [`snaive_drift_mape${suffix}`]: round(h.snaiveDrift.mape),
  };
}

/**
 * Trains the CO2 forecaster: evaluates by a rolling-origin backtest (the structure re-chosen at
 * every origin from earlier data only), then chooses the final structure on the most recent data,
 * exports it to ONNX with prediction intervals and checks onnxruntime against the trainer.
 */
export async function trainCo2(
  series: MonthlySeries,
  params: Co2Params,
  context: TrainContext,
): Promise<TrainedModel> {
  const values = series.values;
  const operators = new OperatorCache(params.maxHorizon);
  const needed = minimumHistory(params) + params.evalHorizon + params.originSpacing * (params.origins - 1);
  context.log(
    `data: ${values.length} months ${series.start}..${monthLabel(monthIndex(series.start) + values.length - 1)}, ${series.filled.length} filled`,
  );
  if (values.length < needed) {
    throw new ModelError(
      "DATA_INVALID",
      `${series.source}: ${values.length} months is too short; these params need at least ${needed}`,
    );
  }
  context.log(
    `backtest: ${params.origins} origins x ${params.evalHorizon} months, structure search over ${params.windows.length * params.degrees.length * params.harmonics.length * params.halfLives.length} candidates per origin`,
  );
  const main = backtest(values, params.evalHorizon, params, operators);
  const short = params.evalHorizon > 12 ? backtest(values, 12, params, operators) : undefined;
  const metrics = { ...backtestMetrics(main, ""), ...(short ? backtestMetrics(short, "_h12") : {}) };
  context.log(
    `backtest: MAPE ${metrics.mape}% (seasonal naive with drift ${metrics.snaive_drift_mape}%), RMSE ${metrics.rmse} ppm, MASE ${metrics.mase}`,
  );

  const selection = selectStructure(values, values.length, params, operators);
  const operator = selection.operator;
  const window = operator[0]!.length;
  const interval = intervalOffsets(values, operator, params.intervalLevel);
  const lastMonth = monthLabel(monthIndex(series.start) + values.length - 1);
  const protocol = `rolling-origin backtest: ${params.origins} origins ${params.originSpacing} months apart, horizon ${params.evalHorizon}, last forecast ending at ${lastMonth}; structure chosen at each origin from earlier data`;
  const datasetSha256 = seriesSha256(series);
  const windows = [...new Set(selection.members.map((m) => m.window))].join("/");
  context.log(
    `final forecaster: the average of ${selection.members.length} structures (windows ${windows} months; see the report)`,
  );

  const card: ModelCard = {
    cardVersion: 1,
    name: "co2-forecast",
    task: "time-series-forecast",
    description:
      "Monthly Mauna Loa CO2 (ppm): weighted least-squares trend + yearly harmonics over a history window, direct multi-horizon, with empirical prediction intervals.",
    inputs: [{ name: "history", type: "float32", shape: ["batch", window] }],
    outputs: ["forecast", "lower", "upper"].map((name) => ({
      name,
      type: "float32" as const,
      shape: ["batch", params.maxHorizon],
    })),
    preprocessing: {
      missingMonths: "linear interpolation",
      filledMonths: series.filled,
      centring: "window mean (in graph)",
    },
    params: { ...params, structures: selection.members },
    seed: params.seed,
    metrics,
    evaluation: {
      protocol,
      origins: main.origins.map((o) => monthLabel(monthIndex(series.start) + o)),
      structures: main.structures,
    },
    data: {
      source: series.source,
      sha256: datasetSha256,
      rows: values.length,
      start: series.start,
      end: lastMonth,
    },
    serving: {
      unit: "ppm",
      lastMonth,
      history: values.slice(values.length - window),
      maxHorizon: params.maxHorizon,
      intervalLevel: params.intervalLevel,
    },
    trainer: TRAINER,
  };
  const onnx = exportForecaster(operator, interval, card);

  // parity: the trainer's own forecasts at the last 16 origins vs onnxruntime on the same windows
  const rows = Math.min(16, values.length - window + 1);
  const ends = Array.from({ length: rows }, (_, r) => values.length - r);
  const input = new Float32Array(rows * window);
  ends.forEach((end, r) => input.set(values.slice(end - window, end), r * window));
  // the trainer works in float64 on the float32 values the graph sees
  const asFloat32 = Array.from(input);
  const expected = ends.flatMap((_, r) =>
    applyOperator(operator, asFloat32.slice(r * window, (r + 1) * window), window),
  );
  const parity = await checkParity(
    onnx,
    { name: "history", data: input, dims: [rows, window] },
    { name: "forecast", expected },
  );
  context.log(
    `parity: onnxruntime matches the trainer on ${parity.rows} windows (max |diff| ${parity.maxAbsDiff.toExponential(2)} ppm)`,
  );

  return {
    onnx,
    card,
    metrics,
    evaluation: { protocol, dataset: series.source, datasetSha256 },
    report: renderReport(card, main, short, parity),
    parity,
  };
}
