import { mape, mase, rmse, seasonalNaiveScale } from "@lockstep/ml";
import { ModelError } from "../errors.js";
import type { Interval } from "./intervals.js";
import { minimumHistory, seasonalNaive, seasonalNaiveDrift } from "./forecaster.js";
import { EVAL_HORIZONS, type Co2Params } from "./params.js";

/** The forecasters the backtest compares, in the report's order. */
export const FORECASTERS = {
  lstm: "LSTM on trend/seasonality residuals (Lockstep)",
  localTrend: "local trend + seasonality (previous model)",
  snaiveDrift: "seasonal naive + 5-year drift",
  snaive: "seasonal naive",
} as const;
export type ForecasterName = keyof typeof FORECASTERS;

export interface Scores {
  mape: number;
  rmse: number;
  mase: number;
}

export interface HorizonResult {
  horizon: number;
  /** Forecast origins: the first month forecast (the model sees only months before it). */
  origins: number[];
  scores: Record<ForecasterName, Scores>;
}

/** What a model trained on the months before an origin forecasts from it. */
export interface OriginFit {
  lstm: number[];
  localTrend: number[];
  /** The LSTM forecast's interval offsets. */
  interval: Interval;
}

export interface OriginResult {
  origin: number;
  forecasts: Record<ForecasterName, number[]>;
  interval: Interval;
}

export interface BacktestResult {
  horizons: HorizonResult[];
  origins: OriginResult[];
}

/**
 * Rolling origins per horizon: `params.origins` origins `originSpacing` months apart, the last
 * forecast ending at the last data point. Horizons share origins where they coincide.
 */
export function backtestOrigins(length: number, params: Co2Params): Map<number, number[]> {
  return new Map(
    EVAL_HORIZONS.map((h) => [
      h,
      Array.from({ length: params.origins }, (_, i) => length - h - params.originSpacing * i).reverse(),
    ]),
  );
}

/** Every backtest origin, ascending; refuses a series too short for the first one's history. */
export function allOrigins(length: number, params: Co2Params): number[] {
  const all = [...new Set([...backtestOrigins(length, params).values()].flat())].sort((a, b) => a - b);
  const needed = minimumHistory(params);
  if (all[0]! < needed) {
    throw new ModelError(
      "DATA_INVALID",
      `${length} months is too short for this backtest: its first origin would have ${all[0]} months before it, and these params need ${needed}`,
    );
  }
  return all;
}

function score(series: number[], origins: number[], horizon: number, forecasts: number[][]): Scores {
  const actual = origins.flatMap((o) => series.slice(o, o + horizon));
  const predicted = forecasts.flatMap((f) => f.slice(0, horizon));
  const masePerOrigin = origins.map((o, i) =>
    mase(
      series.slice(o, o + horizon),
      forecasts[i]!.slice(0, horizon),
      seasonalNaiveScale(series.slice(0, o), 12),
    ),
  );
  return {
    mape: mape(actual, predicted),
    rmse: rmse(actual, predicted),
    mase: masePerOrigin.reduce((a, b) => a + b, 0) / masePerOrigin.length,
  };
}

/**
 * The rolling-origin backtest: at every origin `fitAt` trains on the months before it only; the
 * forecasts are scored at each horizon beside the seasonal naive baselines.
 */
export async function backtest(
  series: number[],
  params: Co2Params,
  fitAt: (origin: number, index: number, count: number) => Promise<OriginFit>,
): Promise<BacktestResult> {
  const perHorizon = backtestOrigins(series.length, params);
  const all = allOrigins(series.length, params);
  const longest = EVAL_HORIZONS.at(-1)!;
  const origins: OriginResult[] = [];
  for (const [index, origin] of all.entries()) {
    const fit = await fitAt(origin, index, all.length);
    const horizon = Math.min(longest, series.length - origin);
    origins.push({
      origin,
      forecasts: {
        lstm: fit.lstm.slice(0, horizon),
        localTrend: fit.localTrend.slice(0, horizon),
        snaiveDrift: seasonalNaiveDrift(series, origin, horizon),
        snaive: seasonalNaive(series, origin, horizon),
      },
      interval: fit.interval,
    });
  }
  const horizons = [...perHorizon].map(([horizon, at]) => {
    const results = at.map((o) => origins.find((r) => r.origin === o)!);
    const scores = Object.fromEntries(
      (Object.keys(FORECASTERS) as ForecasterName[]).map((name) => [
        name,
        score(
          series,
          at,
          horizon,
          results.map((r) => r.forecasts[name]),
        ),
      ]),
    ) as Record<ForecasterName, Scores>;
    return { horizon, origins: at, scores };
  });
  return { horizons, origins };
}
