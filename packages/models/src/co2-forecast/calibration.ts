import { round } from "../phases.js";
import type { BacktestResult } from "./backtest.js";
import { conformalScale, scaleInterval, type CalibrationError, type Interval } from "./intervals.js";

/** Calibration errors are read this many months ahead (the longest backtest horizon)... */
export const CALIBRATION_HORIZON = 24;
/** ...and scaled per band of this many horizons: errors outgrow the intervals with the horizon. */
export const CALIBRATION_BAND = 12;

/** Each band's errors of one backtest origin against the interval its own fit gave. */
function originErrors(series: number[], origin: BacktestResult["origins"][number]): CalibrationError[][] {
  const bands: CalibrationError[][] = Array.from(
    { length: Math.ceil(CALIBRATION_HORIZON / CALIBRATION_BAND) },
    () => [],
  );
  const forecast = origin.forecasts.lstm;
  for (let h = 0; h < Math.min(CALIBRATION_HORIZON, forecast.length); h++)
    bands[Math.floor(h / CALIBRATION_BAND)]!.push({
      error: series[origin.origin + h]! - forecast[h]!,
      lower: origin.interval.lower[h]!,
      upper: origin.interval.upper[h]!,
    });
  return bands;
}

/** Split-conformal scales per band from these origins' errors (1 where there are too few). */
function scalesFrom(perOrigin: CalibrationError[][][], level: number): number[] {
  return perOrigin[0]!.map((_, band) =>
    round(
      conformalScale(
        perOrigin.flatMap((bands) => bands[band]!),
        level,
      ) ?? 1,
    ),
  );
}

/**
 * Cross-conformal calibration of the intervals on the backtest's own origins: each origin's
 * interval is scaled by what the other origins' errors give (so no origin calibrates the interval
 * whose coverage it measures), and the final model's by what all of them give. The result's
 * intervals are replaced by the calibrated ones; returns the final scales per band.
 */
export function calibrateBacktest(series: number[], result: BacktestResult, level: number): number[] {
  const errors = result.origins.map((origin) => originErrors(series, origin));
  const calibrated = result.origins.map((origin, i) =>
    scaleInterval(
      origin.interval,
      scalesFrom(
        errors.filter((_, j) => j !== i),
        level,
      ),
      CALIBRATION_BAND,
    ),
  );
  result.origins.forEach((origin, i) => (origin.interval = calibrated[i]!));
  return scalesFrom(errors, level);
}

/** The final model's interval with the calibrated scales. */
export const calibratedInterval = (interval: Interval, scales: number[]): Interval =>
  scaleInterval(interval, scales, CALIBRATION_BAND);
