import { describe, expect, it } from "vitest";
import { categoricalProfile, numericProfile } from "@lockstep/ml";
import { DriftWindow, MAX_WATCHED_FIELDS } from "../src/index.js";
import { normal } from "./fixtures.js";

const profile = {
  features: { x: numericProfile(normal(2000, 0), { bins: 10, resolution: 20 }) },
  predictions: {
    label: categoricalProfile(Array.from({ length: 1000 }, (_, i) => (i % 2 ? "buy" : "sell"))),
  },
};

describe("online drift", () => {
  it("stays low for data like the reference and moves for shifted data", () => {
    const same = new DriftWindow(profile, 1000, 100);
    const shifted = new DriftWindow(profile, 1000, 100);
    normal(1000, 0, 7).forEach((x, i) => same.add({ x }, { label: i % 2 ? "buy" : "sell" }));
    normal(1000, 1.5, 7).forEach((x) => shifted.add({ x }, { label: "buy" }));
    expect(same.featureDrift().get("x")!).toBeLessThan(0.1);
    expect(shifted.featureDrift().get("x")!).toBeGreaterThan(0.5);
    expect(same.predictionDrift()!).toBeLessThan(0.01);
    expect(shifted.predictionDrift()!).toBeGreaterThan(0.2);
  });

  it("reports nothing until a field has enough values, and only the newest window counts", () => {
    const window = new DriftWindow(profile, 200, 100);
    normal(99, 3).forEach((x) => window.add({ x }, {}));
    expect(window.featureDrift().size).toBe(0);
    expect(window.predictionDrift()).toBeUndefined();
    normal(300, 3).forEach((x) => window.add({ x }, {}));
    expect(window.featureDrift().get("x")!).toBeGreaterThan(1);
    normal(200, 0, 9).forEach((x) => window.add({ x }, {}));
    expect(window.featureDrift().get("x")!).toBeLessThan(0.2);
  });

  it("ignores values of the wrong kind, non-finite values and fields the card does not profile", () => {
    const window = new DriftWindow(profile, 100, 10);
    for (let i = 0; i < 50; i++)
      window.add({ x: Number.NaN, y: 1, other: 5 } as never, { label: 3 as never });
    expect(window.featureDrift().size).toBe(0);
    expect(window.predictionDrift()).toBeUndefined();
  });

  it("watches a bounded number of fields whatever the card holds", () => {
    const wide = {
      features: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`f${i}`, profile.features.x])),
      predictions: {},
    };
    const window = new DriftWindow(wide, 20, 1);
    window.add(Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`f${i}`, 0])), {});
    expect(window.featureDrift().size).toBe(MAX_WATCHED_FIELDS);
  });

  it("takes an old card without a profile", () => {
    const window = new DriftWindow({} as never);
    window.add({ x: 1 }, {});
    expect(window.featureDrift().size).toBe(0);
  });
});
