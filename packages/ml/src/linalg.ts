/** Small dense linear algebra in float64, row-major arrays of rows. Enough for least squares. */

export type Matrix = number[][];

export function transpose(a: Matrix): Matrix {
  const rows = a.length;
  const cols = a[0]?.length ?? 0;
  return Array.from({ length: cols }, (_, j) => Array.from({ length: rows }, (_, i) => a[i]![j]!));
}

export function matmul(a: Matrix, b: Matrix): Matrix {
  const n = a.length;
  const m = b[0]?.length ?? 0;
  const k = b.length;
  if ((a[0]?.length ?? 0) !== k) throw new RangeError(`matmul: ${n}x${a[0]?.length} times ${k}x${m}`);
  const out: Matrix = Array.from({ length: n }, () => new Array<number>(m).fill(0));
  for (let i = 0; i < n; i++) {
    const row = a[i]!;
    const target = out[i]!;
    for (let p = 0; p < k; p++) {
      const v = row[p]!;
      if (v === 0) continue;
      const bp = b[p]!;
      for (let j = 0; j < m; j++) target[j]! += v * bp[j]!;
    }
  }
  return out;
}

/** Cholesky factor L (lower) of a symmetric positive-definite matrix. */
export function cholesky(a: Matrix): Matrix {
  const n = a.length;
  const l: Matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i]![j]!;
      for (let k = 0; k < j; k++) sum -= l[i]![k]! * l[j]![k]!;
      if (i === j) {
        if (!(sum > 0))
          throw new RangeError("matrix is not positive definite (the design is rank-deficient)");
        l[i]![i] = Math.sqrt(sum);
      } else {
        l[i]![j] = sum / l[j]![j]!;
      }
    }
  }
  return l;
}

/** Solves A X = B for symmetric positive-definite A (B has one column per right-hand side). */
export function solveSpd(a: Matrix, b: Matrix): Matrix {
  const l = cholesky(a);
  const n = l.length;
  const m = b[0]?.length ?? 0;
  const x: Matrix = b.map((row) => [...row]);
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < n; i++) {
      let sum = x[i]![c]!;
      for (let k = 0; k < i; k++) sum -= l[i]![k]! * x[k]![c]!;
      x[i]![c] = sum / l[i]![i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      let sum = x[i]![c]!;
      for (let k = i + 1; k < n; k++) sum -= l[k]![i]! * x[k]![c]!;
      x[i]![c] = sum / l[i]![i]!;
    }
  }
  return x;
}

/**
 * Weighted least squares: returns the k x n operator M with beta = M y for the design X (n x k)
 * and weights w (n), i.e. (X' W X + ridge I)^-1 X' W. Linear in y, so it can live in an ONNX MatMul.
 */
export function leastSquaresOperator(x: Matrix, weights?: number[], ridge = 0): Matrix {
  const xt = transpose(x);
  const xtw = weights ? xt.map((row) => row.map((v, i) => v * weights[i]!)) : xt;
  const gram = matmul(xtw, x);
  for (let i = 0; i < gram.length; i++) gram[i]![i]! += ridge;
  return solveSpd(gram, xtw);
}
