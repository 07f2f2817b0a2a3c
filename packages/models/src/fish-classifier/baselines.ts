import { argmax, classificationReport, topKAccuracy } from "@lockstep/ml";
import { round } from "../phases.js";

/** A baseline's scores on the cross-validated predictions, for the report beside the model's. */
export function scoreBaseline(name: string, yTrue: number[], p: number[][], classes: number) {
  const report = classificationReport(yTrue, p.map(argmax), classes);
  return {
    name,
    accuracy: round(report.accuracy, 4),
    macroF1: round(report.macro.f1, 4),
    top3: round(topKAccuracy(yTrue, p, Math.min(3, classes)), 4),
  };
}

/** Softmax over negative distances to each class's mean embedding. */
export function nearestCentroid(
  train: Float32Array[],
  y: number[],
  classes: number,
  test: Float32Array[],
): number[][] {
  const width = train[0]!.length;
  const centroids = Array.from({ length: classes }, () => new Float64Array(width));
  const counts = new Array<number>(classes).fill(0);
  train.forEach((r, i) => {
    counts[y[i]!]!++;
    for (let j = 0; j < width; j++) centroids[y[i]!]![j]! += r[j]!;
  });
  centroids.forEach((c, k) => c.forEach((_, j) => (c[j]! /= Math.max(1, counts[k]!))));
  return test.map((r) => {
    const scores = centroids.map((c) => {
      let d = 0;
      for (let j = 0; j < width; j++) d += (r[j]! - c[j]!) ** 2;
      return -Math.sqrt(d);
    });
    const max = Math.max(...scores);
    const e = scores.map((s) => Math.exp((s - max) / 10));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  });
}
