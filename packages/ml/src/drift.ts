/**
 * Drift statistics between a reference (training) distribution and new data, and a compact
 * reference profile that fits in a model card.
 */

const sortedCopy = (values: ArrayLike<number>) => Float64Array.from(values).sort();

function finiteOnly(values: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) out.push(values[i]!);
  return out;
}

/** Linear-interpolated quantile of sorted values (numpy's default "linear" method). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) throw new RangeError("quantile of no values");
  const position = (sorted.length - 1) * q;
  const lo = Math.floor(position);
  const hi = Math.ceil(position);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (position - lo);
}

export interface NumericProfile {
  kind: "numeric";
  count: number;
  missing: number;
  mean: number;
  std: number;
  /** Quantiles at 0, 1/q, ..., 1 (q = quantiles.length - 1). */
  quantiles: number[];
  /** Bin edges (interior) and the reference share in each bin, for PSI. */
  edges: number[];
  shares: number[];
}

export interface CategoricalProfile {
  kind: "categorical";
  count: number;
  missing: number;
  shares: Record<string, number>;
}

export type FeatureProfile = NumericProfile | CategoricalProfile;

const round = (value: number) => Number(value.toPrecision(8));

/**
 * A numeric feature's reference profile: moments, `resolution + 1` quantiles and `bins`
 * equal-frequency bins (edges at the reference deciles by default). Non-finite values count as missing.
 */
export function numericProfile(
  values: ArrayLike<number>,
  options: { bins?: number; resolution?: number } = {},
): NumericProfile {
  const bins = options.bins ?? 10;
  const resolution = options.resolution ?? 100;
  const finite = finiteOnly(values);
  if (finite.length === 0) throw new RangeError("a profile needs at least one finite value");
  const sorted = sortedCopy(finite);
  const mean = finite.reduce((a, b) => a + b, 0) / finite.length;
  const variance = finite.reduce((a, b) => a + (b - mean) ** 2, 0) / finite.length;
  const edges = [
    ...new Set(Array.from({ length: bins - 1 }, (_, i) => round(quantileSorted(sorted, (i + 1) / bins)))),
  ];
  return {
    kind: "numeric",
    count: finite.length,
    missing: values.length - finite.length,
    mean: round(mean),
    std: round(Math.sqrt(variance)),
    quantiles: Array.from({ length: resolution + 1 }, (_, i) =>
      round(quantileSorted(sorted, i / resolution)),
    ),
    edges,
    shares: binShares(sorted, edges),
  };
}

/** Shares of values in the bins (-inf, e0), [e0, e1), ..., [e_last, inf). */
export function binShares(values: ArrayLike<number>, edges: number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    let bin = 0;
    while (bin < edges.length && v >= edges[bin]!) bin++;
    counts[bin]!++;
    total++;
  }
  return counts.map((c) => (total === 0 ? 0 : c / total));
}

export function categoricalProfile(values: ArrayLike<string | null | undefined>): CategoricalProfile {
  const counts: Record<string, number> = {};
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    counts[v] = (counts[v] ?? 0) + 1;
    count++;
  }
  const shares = Object.fromEntries(
    Object.keys(counts)
      .sort()
      .map((k) => [k, round(counts[k]! / count)]),
  );
  return { kind: "categorical", count, missing: values.length - count, shares };
}

/**
 * Population Stability Index: sum over bins of (a - e) * ln(a / e), shares floored at `epsilon`.
 * Rule of thumb: < 0.1 stable, 0.1–0.25 moderate shift, > 0.25 major shift.
 */
export function psi(expected: number[], actual: number[], epsilon = 1e-4): number {
  if (expected.length !== actual.length || expected.length === 0)
    throw new RangeError("PSI needs two share vectors of equal length");
  let sum = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(expected[i]!, epsilon);
    const a = Math.max(actual[i]!, epsilon);
    sum += (a - e) * Math.log(a / e);
  }
  return sum;
}

/** PSI of new values against a numeric profile's bins. */
export function psiAgainst(profile: NumericProfile, values: ArrayLike<number>): number {
  return psi(profile.shares, binShares(values, profile.edges));
}

/** The Kolmogorov distribution's survival function Q(x) = 2 Σ (-1)^(k-1) exp(-2 k² x²) (scipy's kstwobign.sf). */
export function kolmogorovSurvival(x: number): number {
  if (x < 1e-3) return 1;
  if (x < 1.18) {
    // the series converges slowly here; use the theta-function form of the CDF instead
    const t = Math.exp((-Math.PI * Math.PI) / (8 * x * x));
    const cdf = (Math.sqrt(2 * Math.PI) / x) * (t + t ** 9 + t ** 25 + t ** 49);
    return Math.min(1, Math.max(0, 1 - cdf));
  }
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * x * x);
    sum += (k % 2 === 1 ? 1 : -1) * term;
    if (term < 1e-16) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

export interface KsResult {
  statistic: number;
  pValue: number;
}

/**
 * Two-sample Kolmogorov–Smirnov test: D = max |F_a - F_b|, with the p-value from Kolmogorov's
 * limiting distribution, Q(√(nm/(n+m)) · D). It is accurate for the sample sizes drift checks use
 * (hundreds and more); for tiny samples it is conservative next to the exact distribution.
 */
export function ksTwoSample(a: ArrayLike<number>, b: ArrayLike<number>): KsResult {
  const x = sortedCopy(finiteOnly(a));
  const y = sortedCopy(finiteOnly(b));
  if (x.length === 0 || y.length === 0) throw new RangeError("KS needs two non-empty samples");
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  const en = Math.sqrt((x.length * y.length) / (x.length + y.length));
  return { statistic: d, pValue: kolmogorovSurvival(en * d) };
}

/** Wasserstein-1 (earth mover's) distance between two empirical distributions: ∫ |F_a - F_b| dx. */
export function wasserstein1(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const x = sortedCopy(finiteOnly(a));
  const y = sortedCopy(finiteOnly(b));
  if (x.length === 0 || y.length === 0) throw new RangeError("Wasserstein needs two non-empty samples");
  const all = Float64Array.from([...x, ...y]).sort();
  let i = 0;
  let j = 0;
  let distance = 0;
  for (let k = 0; k < all.length - 1; k++) {
    while (i < x.length && x[i]! <= all[k]!) i++;
    while (j < y.length && y[j]! <= all[k]!) j++;
    distance += Math.abs(i / x.length - j / y.length) * (all[k + 1]! - all[k]!);
  }
  return distance;
}

/**
 * Jensen–Shannon divergence (base 2, in [0, 1]) between two categorical distributions given as
 * counts or shares by category; categories missing on one side count as 0 there.
 * (scipy's `jensenshannon` returns the square root of this: the JS distance.)
 */
export function jensenShannon(p: Record<string, number>, q: Record<string, number>): number {
  const keys = [...new Set([...Object.keys(p), ...Object.keys(q)])];
  const total = (r: Record<string, number>) => keys.reduce((s, k) => s + (r[k] ?? 0), 0);
  const tp = total(p);
  const tq = total(q);
  if (!(tp > 0 && tq > 0)) throw new RangeError("Jensen–Shannon needs two non-empty distributions");
  if (keys.some((k) => (p[k] ?? 0) < 0 || (q[k] ?? 0) < 0)) throw new RangeError("counts must be >= 0");
  let divergence = 0;
  for (const k of keys) {
    const a = (p[k] ?? 0) / tp;
    const b = (q[k] ?? 0) / tq;
    const m = (a + b) / 2;
    if (a > 0) divergence += 0.5 * a * Math.log2(a / m);
    if (b > 0) divergence += 0.5 * b * Math.log2(b / m);
  }
  return Math.max(0, divergence);
}
