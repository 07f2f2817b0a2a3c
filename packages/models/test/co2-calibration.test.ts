import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { readLock } from "@lockstep/lockfile";
import type { BacktestResult } from "../src/co2-forecast/backtest.js";
import { calibrateBacktest, horizonScales } from "../src/co2-forecast/calibration.js";
import { conformalScale, scaleInterval } from "../src/co2-forecast/intervals.js";

describe("conformal calibration of co2's intervals", () => {
  it("takes the ⌈(n + 1)·level⌉-th smallest distance from the centre, in half-widths", () => {
    // ten errors against [-1, +1]: distances 0.1 .. 1.0; (10 + 1)·0.8 → the 9th
    const errors = Array.from({ length: 10 }, (_, i) => ({ error: (i + 1) / 10, lower: -1, upper: 1 }));
    expect(conformalScale(errors, 0.8)).toBeCloseTo(0.9, 12);
    // an off-centre interval measures from its centre: error 3 in [1, 3] is one half-width out
    expect(conformalScale([{ error: 3, lower: 1, upper: 3 }], 0.4)).toBe(1);
    // too few errors for the level, none usable: no scale
    expect(conformalScale(errors, 0.95)).toBeUndefined();
    expect(
      conformalScale(
        [
          { error: 1, lower: 0, upper: 0 },
          { error: Number.NaN, lower: -1, upper: 1 },
        ],
        0.1,
      ),
    ).toBeUndefined();
  });

  it("scales each horizon about its centre and keeps zero inside", () => {
    const interval = { lower: [-1, -1, -2, 0.5], upper: [1, 3, 2, 1.5] };
    expect(scaleInterval(interval, [2, 2, 0.5])).toEqual({ lower: [-2, -3, -1, 0], upper: [2, 5, 1, 1.25] });
  });

  it("holds each band's scale at its middle horizon, linear between the middles, flat outside", () => {
    // bands of 4 horizons: middles at 1.5 and 5.5 (0-based)
    expect(horizonScales([1, 3], 4, 9)).toEqual([1, 1, 1.25, 1.75, 2.25, 2.75, 3, 3, 3]);
    expect(horizonScales([2], 12, 3)).toEqual([2, 2, 2]);
  });

  it("scales each backtest origin's interval from the other origins' errors only (cross-conformal)", () => {
    const series = Array.from({ length: 40 }, () => 0);
    // three origins of 12 months, intervals ±1: errors of 0.5 at origin 0, 2 at origin 10, 4 at origin 20
    const origin = (at: number, error: number) => ({
      origin: at,
      forecasts: { lstm: Array(12).fill(-error), localTrend: [], snaiveDrift: [], snaive: [] },
      interval: { lower: Array(12).fill(-1), upper: Array(12).fill(1) },
    });
    const result = {
      horizons: [],
      origins: [origin(0, 0.5), origin(10, 2), origin(20, 4)],
    } as unknown as BacktestResult;
    const finalScales = calibrateBacktest(series, result, 0.9);
    // origin 0 sees 2 and 4 (24 errors: rank 23 → 4), origin 10 sees 0.5 and 4 (→ 4), origin 20 sees 0.5 and 2 (→ 2)
    expect(result.origins.map((o) => o.interval.upper[0])).toEqual([4, 4, 2]);
    // the final model's scale from all three: 36 errors, rank 34 → 4; the second band had no errors
    expect(finalScales).toEqual([4, 1]);
  });

  it("the committed pin's intervals cover 87–93% at 12 and at 24 months ahead (issue 38)", async () => {
    const lock = await readLock(join(resolve(import.meta.dirname, "../../.."), "models.lock.json"));
    const { metrics } = lock.models["co2-forecast"]!.pins.staging!;
    for (const horizon of [12, 24]) {
      expect(metrics[`interval_coverage_h${horizon}`], `h${horizon}`).toBeGreaterThanOrEqual(0.87);
      expect(metrics[`interval_coverage_h${horizon}`], `h${horizon}`).toBeLessThanOrEqual(0.93);
    }
  });
});
