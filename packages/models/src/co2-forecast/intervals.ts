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

/** One calibration error: actual − forecast at a horizon, beside the interval the fit gave there. */
export interface CalibrationError {
  error: number;
  lower: number;
  upper: number;
}

/**
 * Split-conformal scale for intervals: each calibration error's distance from its interval's
 * centre in half-widths, and the ⌈(n + 1)·level⌉-th smallest of those scores. Scaling every
 * interval about its centre by it covers `level` of exchangeable new errors. Undefined with too
 * few errors for the level ((n + 1)·level > n), or none with a usable width.
 */
export function conformalScale(errors: readonly CalibrationError[], level: number): number | undefined {
  const scores = errors.flatMap(({ error, lower, upper }) => {
    const half = (upper - lower) / 2;
    return half > 0 && Number.isFinite(error) ? [Math.abs(error - (upper + lower) / 2) / half] : [];
  });
  const rank = Math.ceil((scores.length + 1) * level);
  if (scores.length === 0 || rank > scores.length) return undefined;
  return scores.sort((a, b) => a - b)[rank - 1]!;
}

/**
 * The interval scaled about its centre, still bracketing zero: by `scales[h]` at horizon h (the
 * last scale beyond them).
 */
export function scaleInterval(interval: Interval, scales: readonly number[]): Interval {
  const at = (h: number) => {
    const scale = scales[Math.min(h, scales.length - 1)]!;
    const centre = (interval.upper[h]! + interval.lower[h]!) / 2;
    const half = ((interval.upper[h]! - interval.lower[h]!) / 2) * scale;
    return { lower: Math.min(0, centre - half), upper: Math.max(0, centre + half) };
  };
  return {
    lower: interval.lower.map((_, h) => at(h).lower),
    upper: interval.upper.map((_, h) => at(h).upper),
  };
}
