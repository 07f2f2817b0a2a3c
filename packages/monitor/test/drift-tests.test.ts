import { describe, expect, it } from "vitest";
import { categoricalProfile, numericProfile } from "@lockstep/ml";
import { chiSquareSurvival, columnDrift, ksAgainstProfile, wassersteinAgainstProfile } from "../src/index.js";
import { normal } from "./fixtures.js";

const reference = numericProfile(normal(5000, 0), { bins: 10, resolution: 20 });

describe("drift tests against a card's profile", () => {
  it("chi-square survival matches the table (scipy.stats.chi2.sf)", () => {
    expect(chiSquareSurvival(3.841459, 1)).toBeCloseTo(0.05, 5);
    expect(chiSquareSurvival(5.991465, 2)).toBeCloseTo(0.05, 5);
    expect(chiSquareSurvival(18.307038, 10)).toBeCloseTo(0.05, 5);
    expect(chiSquareSurvival(100, 3)).toBeLessThan(1e-20);
    expect(chiSquareSurvival(0, 4)).toBe(1);
  });

  it("KS keeps a sample of the reference distribution and flags a shifted one", () => {
    expect(ksAgainstProfile(reference, Float64Array.from(normal(500, 0, 9))).pValue).toBeGreaterThan(0.05);
    expect(ksAgainstProfile(reference, Float64Array.from(normal(500, 0.5, 9))).pValue).toBeLessThan(1e-6);
  });

  it("Wasserstein in reference standard deviations: ~0 for the same distribution, ~1 for a shift of one", () => {
    expect(wassersteinAgainstProfile(reference, Float64Array.from(normal(5000, 0, 3)))).toBeLessThan(0.05);
    expect(wassersteinAgainstProfile(reference, Float64Array.from(normal(5000, 1, 3)))).toBeCloseTo(1, 1);
  });

  it("chooses the test by kind and sample size", () => {
    const labels = categoricalProfile(Array.from({ length: 900 }, (_, i) => ["buy", "hold", "sell"][i % 3]!));
    expect(columnDrift("x", reference, normal(200, 0, 5))).toMatchObject({
      test: "ks",
      drift: false,
      count: 200,
    });
    expect(columnDrift("x", reference, normal(2000, 0.5, 5))).toMatchObject({
      test: "wasserstein",
      drift: true,
    });
    const even = Array.from({ length: 300 }, (_, i) => ["buy", "hold", "sell"][i % 3]!);
    expect(columnDrift("s", labels, even)).toMatchObject({ test: "chi-square", drift: false });
    expect(
      columnDrift(
        "s",
        labels,
        Array.from({ length: 300 }, () => "buy"),
      ),
    ).toMatchObject({
      test: "chi-square",
      drift: true,
    });
    expect(
      columnDrift(
        "s",
        labels,
        Array.from({ length: 3000 }, () => "sell"),
      ),
    ).toMatchObject({
      test: "jensen-shannon",
      drift: true,
    });
    // an unseen class counts against the reference
    expect(columnDrift("s", labels, [...even, ...Array.from({ length: 60 }, () => "short")])!.drift).toBe(
      true,
    );
  });

  it("skips values of the wrong kind and honours a column's own threshold", () => {
    const result = columnDrift("x", reference, [...normal(100, 0, 4), "7", null, Number.NaN, Infinity], {
      columns: { x: 0.999 },
    })!;
    expect(result).toMatchObject({ count: 100, skipped: 4, threshold: 0.999, drift: true });
    expect(columnDrift("x", reference, ["a", "b"])).toBeUndefined();
  });
});
