import { mape, type Matrix } from "@lockstep/ml";
import { ModelError } from "../errors.js";
import { applyOperator, forecastOperator, type LocalTrendConfig } from "./local-trend.js";
import { EVAL_HORIZONS, type Co2Params } from "./params.js";

const SELECTION_SPACING = 3;
/** Structures are scored on their forecasts over the longest evaluation horizon. */
const SELECTION_HORIZON = EVAL_HORIZONS.at(-1)!;

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

/** Months before an origin that the structure search needs. */
export function minimumHistory(params: Co2Params): number {
  return Math.max(...params.windows) + SELECTION_HORIZON + SELECTION_SPACING * (params.selectionOrigins - 1);
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
      const origin = end - SELECTION_HORIZON - SELECTION_SPACING * j;
      if (origin < config.window) break;
      const forecast = applyOperator(operators.get(config), series, origin).slice(0, SELECTION_HORIZON);
      actual.push(...series.slice(origin, origin + SELECTION_HORIZON));
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
