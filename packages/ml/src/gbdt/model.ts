import type { GbdtParams } from "./params.js";
import type { TreeEnsemble } from "@lockstep/onnx";
import { evaluateTree, type Tree } from "./tree.js";

export class GbdtModel {
  constructor(
    readonly params: GbdtParams,
    readonly numFeatures: number,
    /** Raw-score targets: 1 for regression and binary, the class count for multiclass. */
    readonly numTargets: number,
    readonly baseValues: number[],
    /** trees[iteration][target] */
    readonly trees: Tree[][],
    readonly importance: { gain: number[]; splits: number[] },
    /** Validation loss per iteration, when validation data was given. */
    readonly validationLoss: number[],
  ) {}

  /** Raw scores, row-major [rows, numTargets], summed in float64 from float32 leaves. */
  predictRaw(rows: ArrayLike<number>[]): Float64Array {
    const k = this.numTargets;
    const out = new Float64Array(rows.length * k);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (row.length !== this.numFeatures)
        throw new RangeError(`row ${i} has ${row.length} features, the model ${this.numFeatures}`);
      for (let t = 0; t < k; t++) out[i * k + t] = this.baseValues[t]!;
      for (const iteration of this.trees)
        for (let t = 0; t < k; t++) out[i * k + t]! += evaluateTree(iteration[t]!, row);
    }
    return out;
  }

  /** Regression: one value per row. Classification: class probabilities per row. */
  predict(rows: ArrayLike<number>[]): number[] | number[][] {
    const raw = this.predictRaw(rows);
    if (this.params.objective === "regression") return Array.from(raw);
    if (this.params.objective === "binary") {
      return Array.from(raw, (z) => {
        const p = 1 / (1 + Math.exp(-z));
        return [1 - p, p];
      });
    }
    const k = this.numTargets;
    return Array.from({ length: rows.length }, (_, i) => softmax(raw.subarray(i * k, (i + 1) * k)));
  }

  toEnsemble(): TreeEnsemble {
    return {
      numFeatures: this.numFeatures,
      baseValues: this.baseValues,
      trees: this.trees.flatMap((iteration) => iteration.map((tree, target) => ({ tree, target }))),
      postTransform:
        this.params.objective === "regression"
          ? "none"
          : this.params.objective === "binary"
            ? "sigmoid"
            : "softmax",
    };
  }
}

export function softmax(scores: ArrayLike<number>): number[] {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < scores.length; i++) max = Math.max(max, scores[i]!);
  const exps = Array.from(scores, (s) => Math.exp(s - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** softmax of each row of `scores` (k per row) into `out`, with softmax's own arithmetic, allocating nothing. */
export function softmaxRows(scores: Float64Array, k: number, out: Float64Array): void {
  for (let start = 0; start < scores.length; start += k) {
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < k; i++) max = Math.max(max, scores[start + i]!);
    let sum = 0;
    for (let i = 0; i < k; i++) {
      const e = Math.exp(scores[start + i]! - max);
      out[start + i] = e;
      sum += e;
    }
    for (let i = 0; i < k; i++) out[start + i]! /= sum;
  }
}
