import type { GbdtParams } from "./params.js";
import { softmax } from "./model.js";

type Objective = GbdtParams["objective"];

/** Each row's weight: its class's weight (classification with class weights), else 1. */
export function rowWeights(params: GbdtParams, y: ArrayLike<number>): (i: number) => number {
  const weights = params.objective !== "regression" ? params.classWeights : undefined;
  return weights ? (i) => weights[y[i]!]! : () => 1;
}

/** The starting raw score per target: the mean (regression), the log-odds or the log class shares. */
export function baseScores(
  objective: Objective,
  y: ArrayLike<number>,
  k: number,
  weightOf: (i: number) => number,
): number[] {
  const n = y.length;
  if (objective === "regression") {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += y[i]!;
    return [Math.fround(sum / n)];
  }
  if (objective === "binary") {
    let positive = 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      positive += y[i]! * weightOf(i);
      total += weightOf(i);
    }
    const p = Math.min(1 - 1e-6, Math.max(1e-6, positive / total));
    return [Math.fround(Math.log(p / (1 - p)))];
  }
  const counts = new Array<number>(k).fill(0);
  let total = 0;
  for (let i = 0; i < n; i++) {
    counts[y[i]!]! += weightOf(i);
    total += weightOf(i);
  }
  return counts.map((c) => Math.fround(Math.log(Math.max(c / total, 1e-6))));
}

/**
 * Target t's gradients and hessians per row into g and h: L2, log-loss, or softmax from the
 * round's class probabilities (row-major, k per row).
 */
export function gradients(
  objective: Objective,
  t: number,
  raw: Float64Array,
  probabilities: Float64Array | undefined,
  k: number,
  y: ArrayLike<number>,
  weightOf: (i: number) => number,
  g: Float64Array,
  h: Float64Array,
): void {
  for (let i = 0; i < y.length; i++) {
    const w = weightOf(i);
    if (objective === "regression") {
      g[i] = raw[i]! - y[i]!;
      h[i] = 1;
    } else if (objective === "binary") {
      const p = 1 / (1 + Math.exp(-raw[i]!));
      g[i] = (p - y[i]!) * w;
      h[i] = Math.max(p * (1 - p), 1e-16) * w;
    } else {
      const p = probabilities![i * k + t]!;
      g[i] = (p - (y[i] === t ? 1 : 0)) * w;
      h[i] = Math.max(p * (1 - p), 1e-16) * w;
    }
  }
}

/** Loss per objective: mean squared error, log-loss or multiclass log-loss on raw scores. */
export function loss(objective: Objective, raw: Float64Array, y: ArrayLike<number>, k: number): number {
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    if (objective === "regression") sum += (raw[i]! - y[i]!) ** 2;
    else if (objective === "binary") {
      const p = Math.min(1 - 1e-15, Math.max(1e-15, 1 / (1 + Math.exp(-raw[i]!))));
      sum -= y[i] === 1 ? Math.log(p) : Math.log(1 - p);
    } else {
      const p = softmax(raw.subarray(i * k, (i + 1) * k))[y[i]!]!;
      sum -= Math.log(Math.max(p, 1e-15));
    }
  }
  return sum / y.length;
}
