import { mape, mase, rmse, seasonalNaiveScale, type Matrix } from "@lockstep/ml";
import { ModelError } from "../errors.js";
import { applyOperator, forecastOperator, type LocalTrendConfig } from "./local-trend.js";
import type { Co2Params } from "./params.js";

const SELECTION_SPACING = 3;

/** Every structure in the params' grid, in a fixed order (ties go to the first). */
export function structureGrid(params: Co2Params): LocalTrendConfig[] {
  const grid: LocalTrendConfig[] = [];
  for (const window of params.windows)
    for (const degree of params.degrees)
      for (const harmonics of params.harmonics)
        for (const halfLife of params.halfLives) grid.push({ window, degree, harmonics, halfLife });
  return grid;
}

/** Operators depend only on the structure, never on data: compute each once. */
export class OperatorCache {
  private readonly cache = new Map<string, Matrix>();
  constructor(private readonly horizon: number) {}
  get(config: LocalTrendConfig): Matrix {
    const key = JSON.stringify(config);
    let operator = this.cache.get(key);
    if (!operator) {
      operator = forecastOperator(config, this.horizon);
      this.cache.set(key, operator);
    }
    return operator;
  }
}

export function minimumHistory(params: Co2Params): number {
  return Math.max(...params.windows) + params.evalHorizon + SELECTION_SPACING * (params.selectionOrigins - 1);
}

/** Structures scored on inner origins, best first; the forecaster averages the top `ensemble`. */
export interface Selection {
  members: LocalTrendConfig[];
  operator: Matrix;
}

/** Averages operators of different windows by left-padding each with zeros to the longest window. */
export function averageOperators(operators: Matrix[]): Matrix {
  const window = Math.max(...operators.map((op) => op[0]!.length));
  const horizon = operators[0]!.length;
  return Array.from({ length: horizon }, (_, h) => {
    const row = new Array<number>(window).fill(0);
    for (const op of operators) {
      const offset = window - op[0]!.length;
      op[h]!.forEach((w, i) => (row[offset + i]! += w / operators.length));
    }
    return row;
  });
}

/**
 * Scores every structure by MAPE on inner rolling origins that lie entirely before `end`
 * (exclusive; nothing at or after `end` is looked at) and combines the best `params.ensemble`
 * into one operator: an equal-weight average of forecasts, which is steadier than the single best.
 */
export function selectStructure(
  series: number[],
  end: number,
  params: Co2Params,
  operators: OperatorCache,
): Selection {
  const scored: { config: LocalTrendConfig; score: number }[] = [];
  for (const config of structureGrid(params)) {
    const actual: number[] = [];
    const predicted: number[] = [];
    for (let j = 0; j < params.selectionOrigins; j++) {
      const origin = end - params.evalHorizon - SELECTION_SPACING * j;
      if (origin < config.window) break;
      const forecast = applyOperator(operators.get(config), series, origin).slice(0, params.evalHorizon);
      actual.push(...series.slice(origin, origin + params.evalHorizon));
      predicted.push(...forecast);
    }
    if (actual.length > 0) scored.push({ config, score: mape(actual, predicted) });
  }
  if (scored.length === 0) {
    throw new ModelError("TRAIN_FAILED", `not enough history before month ${end} to choose a structure`);
  }
  // stable sort: ties keep grid order, so the choice is deterministic
  const members = scored
    .sort((a, b) => a.score - b.score)
    .slice(0, params.ensemble)
    .map((s) => s.config);
  return { members, operator: averageOperators(members.map((m) => operators.get(m))) };
}

/** Seasonal naive: each month repeats the same month of the last observed year. */
export function seasonalNaive(series: number[], origin: number, horizon: number): number[] {
  return Array.from({ length: horizon }, (_, h) => series[origin - 12 + (h % 12)]!);
}

/** Seasonal naive plus the mean monthly drift of the last five years. */
export function seasonalNaiveDrift(series: number[], origin: number, horizon: number): number[] {
  const drift = (series[origin - 1]! - series[origin - 61]!) / 60;
  return Array.from(
    { length: horizon },
    (_, h) => series[origin - 12 + (h % 12)]! + drift * 12 * (Math.floor(h / 12) + 1),
  );
}

export interface BacktestScore {
  mape: number;
  rmse: number;
  mase: number;
}

export interface BacktestResult {
  horizon: number;
  origins: number[];
  model: BacktestScore;
  snaive: BacktestScore;
  snaiveDrift: BacktestScore;
  /** The structures combined at each origin (chosen from data before it). */
  structures: LocalTrendConfig[][];
}

function score(series: number[], origins: number[], horizon: number, forecasts: number[][]): BacktestScore {
  const actual = origins.flatMap((o) => series.slice(o, o + horizon));
  const predicted = forecasts.flat();
  const masePerOrigin = origins.map((o, i) =>
    mase(series.slice(o, o + horizon), forecasts[i]!, seasonalNaiveScale(series.slice(0, o), 12)),
  );
  return {
    mape: mape(actual, predicted),
    rmse: rmse(actual, predicted),
    mase: masePerOrigin.reduce((a, b) => a + b, 0) / masePerOrigin.length,
  };
}

/**
 * Rolling-origin backtest: `params.origins` origins `originSpacing` months apart, the last forecast
 * ending at the last data point. At each origin the structure is chosen from earlier data only.
 */
export function backtest(
  series: number[],
  horizon: number,
  params: Co2Params,
  operators: OperatorCache,
): BacktestResult {
  const origins = Array.from(
    { length: params.origins },
    (_, i) => series.length - horizon - params.originSpacing * i,
  ).reverse();
  if (origins[0]! < minimumHistory(params)) {
    throw new ModelError(
      "DATA_INVALID",
      `the series has ${series.length} months; this backtest needs at least ${minimumHistory(params) + horizon + params.originSpacing * (params.origins - 1)}`,
    );
  }
  const selections = origins.map((o) => selectStructure(series, o, params, operators));
  const forecasts = origins.map((o, i) =>
    applyOperator(selections[i]!.operator, series, o).slice(0, horizon),
  );
  return {
    horizon,
    origins,
    model: score(series, origins, horizon, forecasts),
    snaive: score(
      series,
      origins,
      horizon,
      origins.map((o) => seasonalNaive(series, o, horizon)),
    ),
    snaiveDrift: score(
      series,
      origins,
      horizon,
      origins.map((o) => seasonalNaiveDrift(series, o, horizon)),
    ),
    structures: selections.map((s) => s.members),
  };
}

function quantile(sorted: number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const lo = Math.floor(position);
  const hi = Math.ceil(position);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (position - lo);
}

/**
 * Prediction-interval offsets per horizon from the empirical quantiles of out-of-sample errors of
 * `operator` at up to 120 monthly origins (the most recent ones with the full horizon observed).
 */
export function intervalOffsets(
  series: number[],
  operator: Matrix,
  level: number,
): { lower: number[]; upper: number[] } {
  const window = operator[0]!.length;
  const lower: number[] = [];
  const upper: number[] = [];
  for (let h = 1; h <= operator.length; h++) {
    const errors: number[] = [];
    for (let origin = series.length - h; origin >= window && errors.length < 120; origin--) {
      const weights = operator[h - 1]!;
      let forecast = 0;
      for (let i = 0; i < window; i++) forecast += weights[i]! * series[origin - window + i]!;
      errors.push(series[origin + h - 1]! - forecast);
    }
    if (errors.length < 12) {
      // too few observed errors at this horizon: widen the last known interval with the horizon
      lower.push(lower.length ? lower[lower.length - 1]! * (h / (h - 1)) : -1);
      upper.push(upper.length ? upper[upper.length - 1]! * (h / (h - 1)) : 1);
      continue;
    }
    errors.sort((a, b) => a - b);
    lower.push(Math.min(0, quantile(errors, (1 - level) / 2)));
    upper.push(Math.max(0, quantile(errors, 1 - (1 - level) / 2)));
  }
  return { lower, upper };
}
