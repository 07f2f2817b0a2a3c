import { describe, expect, it } from "vitest";
import { ModelError } from "../src/errors.js";
import { requireClassesPerFold } from "../src/btc-signal/search.js";

describe("btc-signal's walk-forward folds", () => {
  const splits = [
    { train: [0, 1, 2], test: [3, 4, 5] },
    { train: [0, 1, 2, 3, 4, 5], test: [6, 7, 8] },
  ];

  it("pass when every test window holds two classes or more", () => {
    expect(() => requireClassesPerFold([0, 1, 2, 0, 1, 1, 2, 2, 0], splits, "evaluation:")).not.toThrow();
  });

  it("refuse a test window of one class with DATA_INVALID naming the fold, not a RangeError mid-training", () => {
    const error = (() => {
      try {
        requireClassesPerFold([0, 1, 2, 0, 1, 1, 1, 1, 1], splits, "evaluation:");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ code: "DATA_INVALID" });
    expect((error as Error).message).toMatch(
      /^evaluation: fold 2 of 2 \(3 bars\) holds only one label class/,
    );
  });
});
