import {
  jensenShannon,
  kolmogorovSurvival,
  type CategoricalProfile,
  type FeatureProfile,
  type NumericProfile,
} from "@lockstep/ml";

/** Above this many values a column is "large": distances (Wasserstein, Jensen-Shannon) instead of tests. */
export const LARGE_SAMPLE = 1000;

export type DriftTest = "ks" | "chi-square" | "wasserstein" | "jensen-shannon";

export interface ColumnDrift {
  column: string;
  kind: "numeric" | "categorical";
  test: DriftTest;
  /** The test's p-value (ks, chi-square) or the distance (wasserstein normed by the reference std, jensen-shannon). */
  score: number;
  /** Drift when p < threshold (tests) or distance > threshold (distances). */
  threshold: number;
  drift: boolean;
  count: number;
  /** Values that were not of the column's kind or not finite: skipped. */
  skipped: number;
}

export interface Thresholds {
  /** p-value below which a test says drift (default 0.05). */
  pValue?: number;
  /** Wasserstein distance in reference standard deviations above which a column drifts (default 0.1). */
  wasserstein?: number;
  /** Jensen-Shannon divergence above which a column drifts (default 0.1). */
  jensenShannon?: number;
  /** Per column, overriding the above for it. */
  columns?: Record<string, number>;
}

/** The reference CDF at x, linear between the profile's quantiles. */
function referenceCdf(quantiles: number[], x: number): number {
  const n = quantiles.length - 1;
  if (x < quantiles[0]!) return 0;
  if (x >= quantiles[n]!) return 1;
  let lo = 0;
  let hi = n;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (quantiles[mid]! <= x) lo = mid;
    else hi = mid;
  }
  const span = quantiles[hi]! - quantiles[lo]!;
  return (lo + (span > 0 ? (x - quantiles[lo]!) / span : 1)) / n;
}

/** One-sample Kolmogorov-Smirnov against the reference CDF the profile's quantiles describe. */
export function ksAgainstProfile(
  profile: NumericProfile,
  values: Float64Array,
): { statistic: number; pValue: number } {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = referenceCdf(profile.quantiles, sorted[i]!);
    d = Math.max(d, Math.abs((i + 1) / n - f), Math.abs(f - i / n));
  }
  return { statistic: d, pValue: kolmogorovSurvival(Math.sqrt(n) * d) };
}

/**
 * Wasserstein-1 between the profile's quantile function and the values', over the central 90% of
 * probability (a card keeps quantiles at 5% steps: its tails are too coarse to integrate), in
 * reference standard deviations.
 */
export function wassersteinAgainstProfile(profile: NumericProfile, values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const q = profile.quantiles;
  const steps = 180;
  let sum = 0;
  for (let k = 0; k < steps; k++) {
    const p = 0.05 + (0.9 * (k + 0.5)) / steps;
    const position = p * (q.length - 1);
    const lo = Math.floor(position);
    const ref = q[lo]! + (q[Math.min(lo + 1, q.length - 1)]! - q[lo]!) * (position - lo);
    const at = p * (sorted.length - 1);
    const i = Math.floor(at);
    const cur = sorted[i]! + (sorted[Math.min(i + 1, sorted.length - 1)]! - sorted[i]!) * (at - i);
    sum += Math.abs(ref - cur);
  }
  return sum / steps / (profile.std > 0 ? profile.std : 1);
}

/** ln Γ(x) (Lanczos, g = 7). */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The upper regularized incomplete gamma Q(s, x). */
function upperGamma(s: number, x: number): number {
  if (x <= 0) return 1;
  if (x < s + 1) {
    let sum = 1 / s;
    let term = sum;
    for (let n = 1; n < 500; n++) {
      term *= x / (s + n);
      sum += term;
      if (term < sum * 1e-15) break;
    }
    return Math.max(0, 1 - sum * Math.exp(-x + s * Math.log(x) - logGamma(s)));
  }
  // continued fraction (Lentz)
  let b = x + 1 - s;
  let c = 1 / 1e-300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - s);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.min(1, Math.exp(-x + s * Math.log(x) - logGamma(s)) * h);
}

/** P(χ²_k > x). */
export function chiSquareSurvival(x: number, k: number): number {
  return upperGamma(k / 2, x / 2);
}

/** Pearson's chi-square goodness of fit of observed counts to the reference shares (unseen categories pooled). */
export function chiSquareAgainstProfile(profile: CategoricalProfile, counts: Record<string, number>) {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const floor = 0.5 / Math.max(1, profile.count);
  let statistic = 0;
  let cells = 0;
  for (const [category, share] of Object.entries(profile.shares)) {
    const expected = Math.max(share, floor) * total;
    statistic += ((counts[category] ?? 0) - expected) ** 2 / expected;
    cells++;
  }
  const unseen = Object.entries(counts).reduce((s, [c, n]) => (c in profile.shares ? s : s + n), 0);
  if (unseen > 0) {
    const expected = floor * total;
    statistic += (unseen - expected) ** 2 / expected;
    cells++;
  }
  const freedom = Math.max(1, cells - 1);
  return { statistic, pValue: chiSquareSurvival(statistic, freedom) };
}

/**
 * A column's drift against its reference profile, the test chosen by type and sample size as
 * Evidently does: small samples get a test (KS for numbers, chi-square for categories, drift when
 * p < 0.05), large ones a distance (Wasserstein in reference standard deviations, Jensen-Shannon;
 * drift above 0.1).
 */
export function columnDrift(
  column: string,
  profile: FeatureProfile,
  values: readonly unknown[],
  thresholds: Thresholds = {},
): ColumnDrift | undefined {
  const own = thresholds.columns?.[column];
  if (profile.kind === "numeric") {
    const finite = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    if (finite.length === 0) return undefined;
    const data = Float64Array.from(finite);
    const base = {
      column,
      kind: "numeric" as const,
      count: finite.length,
      skipped: values.length - finite.length,
    };
    if (finite.length <= LARGE_SAMPLE) {
      const threshold = own ?? thresholds.pValue ?? 0.05;
      const { pValue } = ksAgainstProfile(profile, data);
      return { ...base, test: "ks", score: pValue, threshold, drift: pValue < threshold };
    }
    const threshold = own ?? thresholds.wasserstein ?? 0.1;
    const distance = wassersteinAgainstProfile(profile, data);
    return { ...base, test: "wasserstein", score: distance, threshold, drift: distance > threshold };
  }
  const labels = values.filter((v): v is string => typeof v === "string");
  if (labels.length === 0) return undefined;
  const counts: Record<string, number> = {};
  for (const label of labels) counts[label] = (counts[label] ?? 0) + 1;
  const base = {
    column,
    kind: "categorical" as const,
    count: labels.length,
    skipped: values.length - labels.length,
  };
  if (labels.length <= LARGE_SAMPLE) {
    const threshold = own ?? thresholds.pValue ?? 0.05;
    const { pValue } = chiSquareAgainstProfile(profile, counts);
    return { ...base, test: "chi-square", score: pValue, threshold, drift: pValue < threshold };
  }
  const threshold = own ?? thresholds.jensenShannon ?? 0.1;
  const divergence = jensenShannon(profile.shares, counts);
  return { ...base, test: "jensen-shannon", score: divergence, threshold, drift: divergence > threshold };
}
