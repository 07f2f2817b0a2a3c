import { describe, expect, it } from "vitest";
import {
  binShares,
  categoricalProfile,
  jensenShannon,
  kolmogorovSurvival as kolmogorov,
  ksTwoSample,
  numericProfile,
  psi,
  psiAgainst,
  quantileSorted,
  Random,
  wasserstein1,
} from "../src/index.js";

const a = [0.1, 0.5, 0.9, 1.3, 2.0, 2.2, 3.1];
const b = [0.3, 0.4, 2.5, 2.8, 3.0, 3.3, 4.0, 4.2];

describe("drift statistics equal known values", () => {
  it("PSI", () => {
    // (0.25 - 0.5) ln(0.5) + (0.75 - 0.5) ln(1.5)
    expect(psi([0.5, 0.5], [0.25, 0.75])).toBeCloseTo(0.25 * Math.log(2) + 0.25 * Math.log(1.5), 12);
    expect(psi([0.2, 0.8], [0.2, 0.8])).toBe(0);
    expect(Number.isFinite(psi([0.5, 0.5], [1, 0]))).toBe(true); // empty bins are floored
  });

  it("two-sample KS statistic and Kolmogorov p-value (scipy kstwobign.sf(√(nm/(n+m))·D))", () => {
    const r = ksTwoSample(a, b);
    expect(r.statistic).toBeCloseTo(17 / 28, 12);
    expect(r.pValue).toBeCloseTo(0.12751857939297448, 9);
    const x = Array.from({ length: 50 }, (_, i) => i / 10);
    const y = Array.from({ length: 60 }, (_, i) => i / 10 + 0.7);
    const r2 = ksTwoSample(x, y);
    expect(r2.statistic).toBeCloseTo(0.2833333333333333, 12);
    expect(r2.pValue).toBeCloseTo(0.025081050693255582, 9);
    expect(ksTwoSample([1, 2, 3], [1, 2, 3])).toEqual({ statistic: 0, pValue: 1 });
  });

  it("the Kolmogorov survival function is continuous across its two evaluation forms", () => {
    const at = kolmogorov;
    expect(at(0.5)).toBeCloseTo(0.9639452436648751, 9);
    expect(at(1.0)).toBeCloseTo(0.26999967167735456, 9);
    expect(at(1.17)).toBeCloseTo(0.12939004218561884, 9);
    expect(at(1.19)).toBeCloseTo(0.11774229287977166, 9);
    expect(at(1.5)).toBeCloseTo(0.022217962616525127, 9);
  });

  it("Wasserstein-1 (scipy wasserstein_distance)", () => {
    expect(wasserstein1(a, b)).toBeCloseTo(1.1410714285714283, 12);
    expect(wasserstein1([0], [5])).toBe(5);
    expect(wasserstein1([1, 2, 3], [1, 2, 3])).toBe(0);
  });

  it("Jensen–Shannon divergence, base 2 (scipy jensenshannon squared)", () => {
    const p = { a: 5, b: 3, c: 2 };
    const q = { a: 1, b: 3, c: 3, d: 3 };
    expect(jensenShannon(p, q)).toBeCloseTo(0.2622556248918265, 12);
    expect(jensenShannon({ x: 1 }, { y: 1 })).toBeCloseTo(1, 12);
    expect(jensenShannon({ x: 2, y: 2 }, { x: 0.5, y: 0.5 })).toBe(0);
  });

  it("rejects empty or invalid samples", () => {
    expect(() => ksTwoSample([], [1])).toThrow(/non-empty/);
    expect(() => wasserstein1([Number.NaN], [1])).toThrow(/non-empty/);
    expect(() => psi([1], [0.5, 0.5])).toThrow(/equal length/);
    expect(() => jensenShannon({}, { a: 1 })).toThrow(/non-empty/);
    expect(() => jensenShannon({ a: -1, b: 2 }, { a: 1 })).toThrow(/>= 0/);
    expect(() => numericProfile([Number.NaN, Number.POSITIVE_INFINITY])).toThrow(/finite/);
  });
});

describe("reference profile", () => {
  it("summarises a feature compactly and serialisably", () => {
    const values = [...Array.from({ length: 100 }, (_, i) => i), Number.NaN];
    const profile = numericProfile(values, { bins: 4, resolution: 4 });
    expect(profile).toMatchObject({ kind: "numeric", count: 100, missing: 1, mean: 49.5 });
    expect(profile.quantiles).toEqual([0, 24.75, 49.5, 74.25, 99]);
    expect(profile.edges).toEqual([24.75, 49.5, 74.25]);
    expect(profile.shares).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(JSON.parse(JSON.stringify(profile))).toEqual(profile);
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(binShares([1, 5, 9], [2, 6])).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });

  it("PSI against a profile: near 0 for the same distribution, large for a shifted one", () => {
    const random = new Random(1);
    const reference = Array.from({ length: 5000 }, () => random.normal());
    const same = Array.from({ length: 5000 }, () => random.normal());
    const shifted = Array.from({ length: 5000 }, () => random.normal() + 1);
    const profile = numericProfile(reference);
    expect(psiAgainst(profile, same)).toBeLessThan(0.02);
    expect(psiAgainst(profile, shifted)).toBeGreaterThan(0.5);
  });

  it("profiles categorical values", () => {
    expect(categoricalProfile(["b", "a", "b", null, "b"])).toEqual({
      kind: "categorical",
      count: 4,
      missing: 1,
      shares: { a: 0.25, b: 0.75 },
    });
  });
});
