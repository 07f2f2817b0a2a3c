import { round } from "../phases.js";
import type { BacktestResult } from "./backtest.js";
import { conformalScale, scaleInterval, type CalibrationError, type Interval } from "./intervals.js";

/** Calibration errors are read this many months ahead (the longest backtest horizon)... */
export const CALIBRATION_HORIZON = 24;
/** ...and pooled per band of this many horizons: errors outgrow the intervals with the horizon. */
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
 * A scale per horizon from the bands' scales: each band's holds at its central horizon, linear
 * between the centres, flat before the first and after the last (no extrapolation past the data).
 */
export function horizonScales(bandScales: readonly number[], band: number, length: number): number[] {
  const centre = (b: number) => b * band + (band - 1) / 2;
  return Array.from({ length }, (_, h) => {
    const next = bandScales.findIndex((_, b) => centre(b) >= h);
    if (next === 0) return bandScales[0]!;
    if (next === -1) return bandScales.at(-1)!;
    const t = (h - centre(next - 1)) / band;
    return bandScales[next - 1]! + t * (bandScales[next]! - bandScales[next - 1]!);
  });
}

/** The interval scaled per horizon from the bands' scales. */
export const calibratedInterval = (interval: Interval, bandScales: readonly number[]): Interval =>
  scaleInterval(interval, horizonScales(bandScales, CALIBRATION_BAND, interval.lower.length));

/**
 * Cross-conformal calibration of the intervals on the backtest's own origins: each origin's
 * interval is scaled by what the other origins' errors give (so no origin calibrates the interval
 * whose coverage it measures), and the final model's by what all of them give. The result's
 * intervals are replaced by the calibrated ones; returns the final scales per band.
 */
export function calibrateBacktest(series: number[], result: BacktestResult, level: number): number[] {
  const errors = result.origins.map((origin) => originErrors(series, origin));
  const calibrated = result.origins.map((origin, i) =>
    calibratedInterval(
      origin.interval,
      scalesFrom(
        errors.filter((_, j) => j !== i),
        level,
      ),
    ),
  );
  result.origins.forEach((origin, i) => (origin.interval = calibrated[i]!));
  return scalesFrom(errors, level);
}
