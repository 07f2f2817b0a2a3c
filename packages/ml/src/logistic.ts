/** Multinomial logistic regression's settings. */
export interface LogisticOptions {
  /** L2 penalty on the weights of the standardised features (not on the intercepts). */
  l2?: number;
  /** Full-batch gradient steps: deterministic, no random start. */
  iterations?: number;
  learningRate?: number;
}

export interface LogisticModel {
  readonly classes: number;
  /** Class probabilities of each row. */
  predict(rows: readonly (readonly number[])[]): number[][];
}

/**
 * Multinomial logistic regression (softmax) on standardised features, fitted by full-batch
 * gradient descent from zero weights: the plain linear baseline a tree model must beat on the same
 * rows and folds. A feature with no spread in the training rows, or a value that is not finite,
 * contributes nothing.
 */
export function trainLogistic(
  rows: readonly (readonly number[])[],
  y: readonly number[],
  classes: number,
  options: LogisticOptions = {},
): LogisticModel {
  const { l2 = 1e-2, iterations = 200, learningRate = 0.5 } = options;
  const n = rows.length;
  if (n === 0 || y.length !== n)
    throw new RangeError("rows and labels must be non-empty and of equal length");
  if (!Number.isInteger(classes) || classes < 2)
    throw new RangeError(`classes must be an integer >= 2, got ${classes}`);
  for (const label of y)
    if (!Number.isInteger(label) || label < 0 || label >= classes)
      throw new RangeError(`label ${label} is outside 0..${classes - 1}`);
  const d = rows[0]!.length;
  const mean = new Float64Array(d);
  const scale = new Float64Array(d);
  for (const row of rows) for (let j = 0; j < d; j++) if (Number.isFinite(row[j]!)) mean[j]! += row[j]! / n;
  for (const row of rows)
    for (let j = 0; j < d; j++) if (Number.isFinite(row[j]!)) scale[j]! += (row[j]! - mean[j]!) ** 2 / n;
  for (let j = 0; j < d; j++) scale[j] = scale[j]! > 0 ? 1 / Math.sqrt(scale[j]!) : 0;
  const x = new Float64Array(n * d);
  rows.forEach((row, i) => {
    for (let j = 0; j < d; j++)
      x[i * d + j] = Number.isFinite(row[j]!) ? (row[j]! - mean[j]!) * scale[j]! : 0;
  });
  // weights[k * (d + 1) + j]: class k, feature j; j = d is the intercept
  const w = new Float64Array(classes * (d + 1));
  const grad = new Float64Array(w.length);
  const p = new Float64Array(classes);
  for (let step = 0; step < iterations; step++) {
    grad.fill(0);
    for (let i = 0; i < n; i++) {
      softmax(w, d, classes, x, i * d, p);
      for (let k = 0; k < classes; k++) {
        const e = (p[k]! - (y[i] === k ? 1 : 0)) / n;
        const base = k * (d + 1);
        for (let j = 0; j < d; j++) grad[base + j]! += e * x[i * d + j]!;
        grad[base + d]! += e;
      }
    }
    for (let k = 0; k < classes; k++)
      for (let j = 0; j <= d; j++) {
        const at = k * (d + 1) + j;
        w[at]! -= learningRate * (grad[at]! + (j < d ? l2 * w[at]! : 0));
      }
  }
  return {
    classes,
    predict(test) {
      const z = new Float64Array(d);
      return test.map((row) => {
        for (let j = 0; j < d; j++) z[j] = Number.isFinite(row[j]!) ? (row[j]! - mean[j]!) * scale[j]! : 0;
        const out = new Float64Array(classes);
        softmax(w, d, classes, z, 0, out);
        return Array.from(out);
      });
    },
  };
}

/** Class probabilities of the standardised row at `offset` of `x`, into `out`. */
function softmax(
  w: Float64Array,
  d: number,
  classes: number,
  x: Float64Array,
  offset: number,
  out: Float64Array,
) {
  let max = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < classes; k++) {
    let s = w[k * (d + 1) + d]!;
    for (let j = 0; j < d; j++) s += w[k * (d + 1) + j]! * x[offset + j]!;
    out[k] = s;
    if (s > max) max = s;
  }
  let sum = 0;
  for (let k = 0; k < classes; k++) sum += out[k] = Math.exp(out[k]! - max);
  for (let k = 0; k < classes; k++) out[k]! /= sum;
}
