import { describe, expect, it } from "vitest";
import {
  classShareTest,
  classShareVerdict,
  histogramMoments,
  normalQuantile,
  valueShiftInterval,
  valueShiftVerdict,
  type HistogramWindow,
} from "../src/canary-stats.js";

const thresholds = { alpha: 0.01, maxShift: 0.15, minCount: 50 };

/** A histogram of `requests` answers, each observing `values` (the same values every answer). */
function histogram(values: number[], requests: number, bounds: number[]): HistogramWindow {
  const buckets = [...bounds, Infinity].map(
    (le) => [le, values.filter((v) => v <= le).length * requests] as const,
  );
  const sum = values.reduce((a, b) => a + b, 0) * requests;
  return { buckets, sum, count: values.length * requests, requests };
}
const BOUNDS = [300, 340, 380, 400, 410, 415, 420, 425, 430, 435, 440, 450, 460, 480, 500, 550];
const FORECAST = [421.3, 422.8, 424.1, 426.9, 428.2, 429.5];

describe("class shares: chi-square test of canary against stable counts", () => {
  it("matches Pearson's statistic on a 2×2 table (no continuity correction)", () => {
    const t = classShareTest({ a: 30, b: 70 }, { a: 50, b: 50 });
    expect(t.statistic).toBeCloseTo(8.3333333, 6);
    expect(t.df).toBe(1);
    expect(t.pValue).toBeCloseTo(0.0038924, 6); // scipy.stats.chi2.sf(25/3, 1)
    expect(t.effect).toBeCloseTo(0.2, 12);
    expect(t.n).toEqual({ canary: 100, stable: 100 });
  });

  it("identical shares: statistic 0, p = 1, a pass", () => {
    const t = classShareTest({ buy: 60, sell: 30, hold: 90 }, { buy: 120, sell: 60, hold: 180 });
    expect(t.statistic).toBeCloseTo(0, 12);
    expect(t.pValue).toBe(1);
    expect(classShareVerdict(t, thresholds)).toBe("pass");
  });

  it("pools classes whose expected count is below the minimum, smallest first", () => {
    const t = classShareTest({ a: 100, b: 100, c: 5, d: 1 }, { a: 100, b: 100, c: 4, d: 3 });
    expect(t.pooled).toEqual(["c", "d"]);
    expect(t.df).toBe(2); // a, b and the pool of c + d (13 predictions: expected 6.5 a side)
    const tiny = classShareTest({ a: 100, b: 100, c: 1 }, { a: 100, b: 100, d: 1 });
    expect(tiny.pooled).toEqual(["a", "c", "d"]); // c + d (expected 1 a side) is too small even together
    expect(tiny.df).toBe(1);
  });

  it("a large, significant shift fails", () => {
    const t = classShareTest({ buy: 300, sell: 100, hold: 100 }, { buy: 100, sell: 100, hold: 300 });
    expect(t.pValue).toBeLessThan(1e-10);
    expect(t.effect).toBeCloseTo(0.4, 12);
    expect(classShareVerdict(t, thresholds)).toBe("fail");
  });

  it("huge traffic with a trivial shift passes: significant, but under the practical threshold", () => {
    const t = classShareTest({ a: 52_000, b: 48_000 }, { a: 50_000, b: 50_000 });
    expect(t.pValue).toBeLessThan(1e-10);
    expect(t.effect).toBeCloseTo(0.02, 12);
    expect(classShareVerdict(t, thresholds)).toBe("pass");
  });

  it("a large shift the counts cannot confirm is inconclusive, never a pass", () => {
    const t = classShareTest({ a: 34, b: 26 }, { a: 22, b: 38 });
    expect(t.effect).toBeGreaterThan(0.15);
    expect(t.pValue).toBeGreaterThan(0.01);
    expect(classShareVerdict(t, thresholds)).toBe("inconclusive");
    // the same shares at ten times the traffic: confirmed
    const more = classShareTest({ a: 340, b: 260 }, { a: 220, b: 380 });
    expect(classShareVerdict(more, thresholds)).toBe("fail");
  });

  it("empty or one-sided windows are inconclusive; bad counts are ignored", () => {
    const empty = classShareTest({}, {});
    expect(empty).toMatchObject({ df: 0, pValue: 1, n: { canary: 0, stable: 0 } });
    expect(classShareVerdict(empty, thresholds)).toBe("inconclusive");
    expect(classShareVerdict(classShareTest({ a: 500 }, {}), thresholds)).toBe("inconclusive");
    const odd = classShareTest({ a: 100, b: NaN, c: -5, d: Infinity }, { a: 100 });
    expect(odd.n).toEqual({ canary: 100, stable: 100 });
  });
});

describe("forecast shift: an interval that narrows with the requests seen", () => {
  it("the normal quantile matches the table", () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.995)).toBeCloseTo(2.5758293, 6);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.0902323, 6);
    expect(normalQuantile(0.5)).toBe(0);
  });

  it("reads the mean exactly and the variance from the buckets", () => {
    const h = histogram([412, 418], 10, BOUNDS); // buckets (410, 415] and (415, 420]
    const m = histogramMoments(h);
    expect(m.mean).toBe(415);
    // midpoints 412.5 and 417.5 around 415, plus 5² / 12 within each
    expect(m.variance).toBeCloseTo(2.5 ** 2 + 25 / 12, 9);
  });

  it("the same pin on both sides: an interval around 0 within the threshold, a pass", () => {
    const i = valueShiftInterval(histogram(FORECAST, 120, BOUNDS), histogram(FORECAST, 120, BOUNDS));
    expect(i.shift).toBe(0);
    expect(i.low).toBeLessThan(0);
    expect(i.high).toBeGreaterThan(0);
    expect(i.high).toBeLessThan(0.02);
    expect(valueShiftVerdict(i, { maxShift: 0.02, minCount: 20 })).toBe("pass");
  });

  it("forecasts 10 % higher: the whole interval above the threshold, a fail", () => {
    const shifted = FORECAST.map((v) => v * 1.1);
    const i = valueShiftInterval(histogram(shifted, 120, BOUNDS), histogram(FORECAST, 120, BOUNDS));
    expect(i.shift).toBeCloseTo(0.1, 9);
    expect(i.low).toBeGreaterThan(0.02);
    expect(valueShiftVerdict(i, { maxShift: 0.02, minCount: 20 })).toBe("fail");
  });

  it("halves in width with four times the requests; a wide one straddling the threshold is inconclusive", () => {
    const wide = [300, 350, 390, 420, 470, 520];
    const up = wide.map((v) => v * 1.03);
    const few = valueShiftInterval(histogram(up, 30, BOUNDS), histogram(wide, 30, BOUNDS));
    const many = valueShiftInterval(histogram(up, 120, BOUNDS), histogram(wide, 120, BOUNDS));
    expect((many.high - many.low) / (few.high - few.low)).toBeCloseTo(0.5, 9);
    expect(few.low).toBeLessThan(0.02);
    expect(few.high).toBeGreaterThan(0.02);
    expect(valueShiftVerdict(few, { maxShift: 0.02, minCount: 20 })).toBe("inconclusive");
  });

  it("counts requests, not values: six months of one answer are one observation", () => {
    const i = valueShiftInterval(histogram(FORECAST, 10, BOUNDS), histogram(FORECAST, 10, BOUNDS));
    expect(i.n).toEqual({ canary: 10, stable: 10 });
    expect(valueShiftVerdict(i, { maxShift: 0.02, minCount: 20 })).toBe("inconclusive");
  });

  it("an empty window is inconclusive, with an unbounded interval", () => {
    const none: HistogramWindow = { buckets: [], sum: 0, count: 0, requests: 0 };
    const i = valueShiftInterval(none, histogram(FORECAST, 100, BOUNDS));
    expect(i.low).toBe(-Infinity);
    expect(i.high).toBe(Infinity);
    expect(valueShiftVerdict(i, { maxShift: 0.02, minCount: 20 })).toBe("inconclusive");
  });
});
