import { describe, expect, it } from "vitest";
import {
  accuracy,
  classificationReport,
  confusionMatrix,
  logLoss,
  rocAuc,
  rocAucOvr,
  topK,
  topKAccuracy,
} from "../src/index.js";

const yTrue = [0, 0, 1, 1, 2, 2];
const yPred = [0, 1, 1, 1, 2, 0];

describe("classification metrics against hand-computed values", () => {
  it("accuracy and the confusion matrix", () => {
    expect(accuracy(yTrue, yPred)).toBeCloseTo(4 / 6, 12);
    expect(confusionMatrix(yTrue, yPred, 3)).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 1],
    ]);
  });

  it("per-class, macro and weighted precision, recall and F1", () => {
    const report = classificationReport(yTrue, yPred, 3);
    expect(report.perClass[0]).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(report.perClass[1]!.precision).toBeCloseTo(2 / 3, 12);
    expect(report.perClass[1]!.f1).toBeCloseTo(0.8, 12);
    expect(report.perClass[2]).toMatchObject({ precision: 1, recall: 0.5 });
    expect(report.macro.precision).toBeCloseTo((0.5 + 2 / 3 + 1) / 3, 12);
    expect(report.macro.recall).toBeCloseTo(2 / 3, 12);
    expect(report.macro.f1).toBeCloseTo((0.5 + 0.8 + 2 / 3) / 3, 12);
    // equal supports: weighted equals macro
    expect(report.weighted.f1).toBeCloseTo(report.macro.f1, 12);
    // a class never predicted has precision 0 (not NaN)
    expect(classificationReport([0, 1], [0, 0], 2).perClass[1]).toEqual({
      precision: 0,
      recall: 0,
      f1: 0,
      support: 1,
    });
  });

  it("log-loss", () => {
    const loss = logLoss(
      [0, 1],
      [
        [0.9, 0.1],
        [0.2, 0.8],
      ],
    );
    expect(loss).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8)) / 2, 12);
    expect(Number.isFinite(logLoss([0], [[0, 1]]))).toBe(true); // clipped, not Infinity
  });

  it("binary ROC AUC, with ties counting one half", () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
    expect(rocAuc([0, 1], [0.5, 0.5])).toBe(0.5);
    expect(rocAuc([1, 1, 0], [0.9, 0.8, 0.1])).toBe(1);
    expect(() => rocAuc([1, 1], [0.2, 0.3])).toThrow(/one class/);
    expect(() => rocAuc([0, 2], [0.2, 0.3])).toThrow(/0 or 1/);
  });

  it("one-vs-rest macro and weighted AUC", () => {
    const labels = [0, 0, 1, 2];
    const probs = [
      [0.8, 0.1, 0.1],
      [0.3, 0.6, 0.1],
      [0.2, 0.7, 0.1],
      [0.1, 0.2, 0.7],
    ];
    // class 0 vs rest: positives {0.8, 0.3}, negatives {0.2, 0.1}: 4/4 pairs -> 1
    // class 1 vs rest: positive 0.7 vs {0.1, 0.6, 0.2}: 3/3 -> 1
    // class 2 vs rest: positive 0.7 vs {0.1, 0.1, 0.1}: 1
    expect(rocAucOvr(labels, probs, "macro")).toBe(1);
    const mixed = [
      [0.4, 0.6],
      [0.6, 0.4],
      [0.3, 0.7],
      [0.8, 0.2],
    ];
    const y = [0, 0, 1, 1];
    const c0 = rocAuc([1, 1, 0, 0], [0.4, 0.6, 0.3, 0.8]); // 2/4
    const c1 = rocAuc([0, 0, 1, 1], [0.6, 0.4, 0.7, 0.2]); // 2/4
    expect(c0).toBe(0.5);
    expect(rocAucOvr(y, mixed, "weighted")).toBeCloseTo((c0 + c1) / 2, 12);
  });

  it("top-k", () => {
    expect(topK([0.1, 0.5, 0.2, 0.5], 3)).toEqual([1, 3, 2]);
    const probs = [
      [0.5, 0.3, 0.2],
      [0.5, 0.3, 0.2],
      [0.5, 0.3, 0.2],
    ];
    expect(topKAccuracy([0, 1, 2], probs, 1)).toBeCloseTo(1 / 3, 12);
    expect(topKAccuracy([0, 1, 2], probs, 2)).toBeCloseTo(2 / 3, 12);
    expect(topKAccuracy([0, 1, 2], probs, 3)).toBe(1);
  });

  it("rejects mismatched, empty and out-of-range input", () => {
    expect(() => confusionMatrix([0, 1], [0], 2)).toThrow(/differ in length/);
    expect(() => confusionMatrix([0, 5], [0, 1], 2)).toThrow(/not a class index/);
    expect(() => confusionMatrix([0.5], [0], 2)).toThrow(/not a class index/);
    expect(() => accuracy([], [])).toThrow();
    expect(() => logLoss([0, 1], [[1, 0]])).toThrow(/probability rows/);
    expect(() => logLoss([0], [[1, 0, 0], [1]] as never)).toThrow();
  });
});
