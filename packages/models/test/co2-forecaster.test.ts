import { describe, expect, it } from "vitest";
import {
  applyOperator,
  backtestOrigins,
  forecastOperator,
  parseCo2Params,
  residualOperator,
  seasonalNaive,
  seasonalNaiveDrift,
} from "../src/co2-forecast/index.js";
import { averageOperators } from "../src/co2-forecast/forecaster.js";

/** A series that is exactly a linear trend plus a yearly cycle. */
const synthetic = (n: number) =>
  Array.from(
    { length: n },
    (_, t) => 300 + 0.1 * t + 3 * Math.sin((2 * Math.PI * t) / 12) + Math.cos((4 * Math.PI * t) / 12),
  );

describe("local trend + seasonality operator", () => {
  it("forecasts a series of its own structure exactly", () => {
    const series = synthetic(200);
    const operator = forecastOperator({ window: 60, degree: 1, harmonics: 2, halfLife: 30 }, 24);
    expect(operator).toHaveLength(24);
    expect(operator[0]).toHaveLength(60);
    const forecast = applyOperator(operator, series, 150);
    forecast.forEach((value, h) => expect(value).toBeCloseTo(series[150 + h]!, 6));
  });

  it("reproduces constants (so the ONNX graph may centre the history)", () => {
    const operator = forecastOperator({ window: 96, degree: 2, harmonics: 4, halfLife: 0 }, 60);
    for (const row of operator) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it("averages operators of different windows", () => {
    const a = forecastOperator({ window: 36, degree: 1, harmonics: 2, halfLife: 0 }, 3);
    const b = forecastOperator({ window: 60, degree: 1, harmonics: 3, halfLife: 0 }, 3);
    const series = synthetic(100);
    const mixed = applyOperator(averageOperators([a, b]), series, 100);
    const expected = applyOperator(a, series, 100).map((v, i) => (v + applyOperator(b, series, 100)[i]!) / 2);
    mixed.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 9));
  });

  it("rejects impossible structures and short history", () => {
    expect(() => forecastOperator({ window: 12, degree: 1, harmonics: 2, halfLife: 0 }, 3)).toThrow(
      RangeError,
    );
    expect(() => forecastOperator({ window: 60, degree: 1, harmonics: 7, halfLife: 0 }, 3)).toThrow(
      RangeError,
    );
    const operator = forecastOperator({ window: 60, degree: 1, harmonics: 2, halfLife: 0 }, 3);
    expect(() => applyOperator(operator, synthetic(30), 30)).toThrow(/need 60 months/);
  });
});

describe("baselines", () => {
  it("seasonal naive repeats the last year; with drift adds the 5-year trend per year ahead", () => {
    const series = Array.from({ length: 120 }, (_, t) => t);
    expect(seasonalNaive(series, 120, 13)).toEqual([...Array.from({ length: 12 }, (_, i) => 108 + i), 108]);
    const drift = seasonalNaiveDrift(series, 120, 13);
    expect(drift[0]).toBeCloseTo(120, 9);
    expect(drift[12]).toBeCloseTo(132, 9);
  });
});

describe("residual transform", () => {
  it("removes a window's trend and yearly cycle, leaving only what they do not explain", () => {
    const operator = residualOperator({ window: 60, degree: 1, harmonics: 4, halfLife: 0 });
    expect(operator).toHaveLength(60);
    const clean = synthetic(60);
    applyOperator(operator, clean, 60).forEach((v) => expect(v).toBeCloseTo(0, 6));
    // a bump the structure cannot fit stays in the residuals
    const bumped = clean.map((v, i) => (i === 50 ? v + 1 : v));
    const residuals = applyOperator(operator, bumped, 60);
    expect(residuals[50]).toBeGreaterThan(0.5);
  });
});

describe("backtest origins", () => {
  it("puts the last forecast of each horizon at the last data point, a year apart", () => {
    const origins = backtestOrigins(746, parseCo2Params({}));
    expect(origins.get(12)).toEqual([674, 686, 698, 710, 722, 734]);
    expect(origins.get(24)).toEqual([662, 674, 686, 698, 710, 722]);
    expect(origins.get(12)!.at(-1)! + 12).toBe(746);
  });
});
