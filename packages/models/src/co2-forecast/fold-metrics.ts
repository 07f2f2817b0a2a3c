import { mape } from "@lockstep/ml";
import { round } from "../phases.js";
import type { BacktestResult } from "./backtest.js";

/**
 * The gate metric on each backtest origin (`mape_h<horizon>` of that origin's forecast alone), in
 * the backtest's order: what the paired gate compares when a candidate saw the same origins.
 */
export function perOriginMape(series: number[], result: BacktestResult, horizon: number): number[] {
  const at = result.horizons.find((h) => h.horizon === horizon);
  if (!at) return [];
  return at.origins.map((origin) => {
    const forecast = result.origins.find((r) => r.origin === origin)!.forecasts.lstm.slice(0, horizon);
    return round(mape(series.slice(origin, origin + horizon), forecast));
  });
}
