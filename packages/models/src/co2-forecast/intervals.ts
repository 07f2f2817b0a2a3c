import { quantileSorted } from "@lockstep/ml";
import type { BacktestResult } from "./backtest.js";

/** Offsets (ppm) added to the forecast at each horizon for the interval's bounds. */
export interface Interval {
  lower: number[];
  upper: number[];
}

/**
 * Prediction-interval offsets per horizon from the empirical quantiles of the forecaster's
 * held-out errors at that horizon ([h][n], never seen by the weights), always bracketing zero.
 */
export function intervalFromErrors(errors: number[][], level: number): Interval {
  const lower: number[] = [];
  const upper: number[] = [];
  for (const atHorizon of errors) {
    const sorted = [...atHorizon].sort((a, b) => a - b);
    lower.push(Math.min(0, quantileSorted(sorted, (1 - level) / 2)));
    upper.push(Math.max(0, quantileSorted(sorted, 1 - (1 - level) / 2)));
  }
  return { lower, upper };
}

/** Share of actual values inside the LSTM's intervals over a horizon's backtest origins. */
export function intervalCoverage(series: number[], result: BacktestResult, horizon: number): number {
  const at = result.horizons.find((h) => h.horizon === horizon)!.origins;
  let inside = 0;
  let total = 0;
  for (const origin of at) {
    const { forecasts, interval } = result.origins.find((o) => o.origin === origin)!;
    for (let h = 0; h < horizon; h++) {
      const actual = series[origin + h]!;
      const value = forecasts.lstm[h]!;
      total++;
      if (actual >= value + interval.lower[h]! && actual <= value + interval.upper[h]!) inside++;
    }
  }
  return inside / total;
}
