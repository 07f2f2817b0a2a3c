import { chiSquareSurvival } from "./drift-tests.js";

/*
 * The statistics a canary is judged by, from what both sides served in one window: class counts
 * compared by a chi-square test of homogeneity, and the mean predicted value compared by an interval
 * that narrows with the requests seen. Each verdict needs both a statistical and a practical reason to
 * fail, and a large observed shift without the evidence to call it is inconclusive, never a pass.
 * The canary judge (canary-judge.ts) serves them to Argo Rollouts; replay reports them beside its own.
 */

export type CanaryVerdict = "pass" | "fail" | "inconclusive";

export interface ClassShareOptions {
  /** Cells whose expected count falls below this are pooled (Cochran's rule: 5). */
  minExpected?: number;
}

export interface ClassShareTest {
  test: "chi-square";
  statistic: number;
  /** Degrees of freedom after pooling: kept cells − 1 (0 when nothing is left to compare). */
  df: number;
  pValue: number;
  /** Total-variation distance between the two sides' class shares, before pooling. */
  effect: number;
  n: { canary: number; stable: number };
  /** Classes pooled into one cell because their expected counts were too small. */
  pooled: string[];
}

const positive = (counts: Readonly<Record<string, number>>) =>
  Object.entries(counts).filter(([, n]) => Number.isFinite(n) && n > 0);

/**
 * Pearson's chi-square test that canary and stable predict the classes in the same shares, on a 2×K
 * table of counts. Classes too rare for the test (an expected count below `minExpected` on either side)
 * are pooled into one cell, smallest first, until every cell is large enough.
 */
export function classShareTest(
  canary: Readonly<Record<string, number>>,
  stable: Readonly<Record<string, number>>,
  options: ClassShareOptions = {},
): ClassShareTest {
  const minExpected = options.minExpected ?? 5;
  const c = new Map(positive(canary));
  const s = new Map(positive(stable));
  const nc = [...c.values()].reduce((a, b) => a + b, 0);
  const ns = [...s.values()].reduce((a, b) => a + b, 0);
  const n = { canary: nc, stable: ns };
  const classes = [...new Set([...c.keys(), ...s.keys()])].sort();
  let effect = 0;
  if (nc > 0 && ns > 0)
    for (const k of classes) effect += Math.abs((c.get(k) ?? 0) / nc - (s.get(k) ?? 0) / ns) / 2;
  const none = { test: "chi-square" as const, statistic: 0, df: 0, pValue: 1, effect, n, pooled: [] };
  if (nc === 0 || ns === 0) return none;
  const total = nc + ns;
  // a column's smaller expected count is min(nc, ns) · column / total
  const large = (column: number) => (Math.min(nc, ns) * column) / total >= minExpected;
  const columns = classes
    .map((k) => ({ k, c: c.get(k) ?? 0, s: s.get(k) ?? 0 }))
    .sort((a, b) => a.c + a.s - (b.c + b.s) || (a.k < b.k ? -1 : 1));
  const pooled: string[] = [];
  let pool = { c: 0, s: 0 };
  // smallest first: pool while the next class or the pool itself is too small
  while (columns.length > 0) {
    const smallNext = !large(columns[0]!.c + columns[0]!.s);
    const smallPool = pooled.length > 0 && !large(pool.c + pool.s);
    if (!smallNext && !smallPool) break;
    const next = columns.shift()!;
    pooled.push(next.k);
    pool = { c: pool.c + next.c, s: pool.s + next.s };
  }
  const cells = [...columns, ...(pooled.length > 0 ? [pool] : [])];
  pooled.sort();
  // fewer than two cells large enough: nothing to test
  if (cells.length < 2 || !cells.every((x) => large(x.c + x.s))) return { ...none, pooled };
  let statistic = 0;
  for (const cell of cells) {
    const column = cell.c + cell.s;
    const ec = (nc * column) / total;
    const es = (ns * column) / total;
    statistic += (cell.c - ec) ** 2 / ec + (cell.s - es) ** 2 / es;
  }
  const df = cells.length - 1;
  return { test: "chi-square", statistic, df, pValue: chiSquareSurvival(statistic, df), effect, n, pooled };
}

export interface ClassShareThresholds {
  /** Significance: a shift fails only when p < alpha. */
  alpha: number;
  /** The practical threshold: a shift fails only when the total-variation distance exceeds this. */
  maxShift: number;
  /** Fewer predictions than this on either side: inconclusive. */
  minCount: number;
}

/**
 * Fail when the shift is both significant and larger than the threshold; pass when it is within the
 * threshold; a larger shift that the counts cannot yet confirm is inconclusive.
 */
export function classShareVerdict(test: ClassShareTest, t: ClassShareThresholds): CanaryVerdict {
  if (Math.min(test.n.canary, test.n.stable) < t.minCount) return "inconclusive";
  if (test.effect <= t.maxShift) return "pass";
  return test.pValue < t.alpha ? "fail" : "inconclusive";
}

/** One side of a Prometheus histogram over a window: cumulative bucket counts by upper bound. */
export interface HistogramWindow {
  /** [upper bound, cumulative count], ascending; the last bound may be +Infinity. */
  buckets: readonly (readonly [number, number])[];
  sum: number;
  count: number;
  /** Requests answered in the window: the unit of independence (one answer's values move together). */
  requests: number;
}

export interface ValueShiftInterval {
  /** (canary mean − stable mean) / |stable mean| */
  shift: number;
  low: number;
  high: number;
  /** Two-sided confidence level of [low, high]. */
  level: number;
  mean: { canary: number; stable: number };
  n: { canary: number; stable: number };
}

/**
 * Mean and variance of the values behind a histogram: the mean exactly (sum / count), the variance from
 * the buckets, each bucket's values spread evenly over it (midpoint, plus width² / 12 within); an open
 * bucket counts at its finite bound.
 */
export function histogramMoments(h: HistogramWindow): { mean: number; variance: number } {
  const mean = h.count > 0 ? h.sum / h.count : NaN;
  let sq = 0;
  let below = 0;
  let lower = -Infinity;
  let seen = 0;
  for (const [upper, cumulative] of h.buckets) {
    const k = Math.max(0, cumulative - below);
    below = Math.max(below, cumulative);
    if (k > 0) {
      const finite = Number.isFinite(lower) && Number.isFinite(upper);
      const point = finite ? (lower + upper) / 2 : Number.isFinite(upper) ? upper : lower;
      sq += k * ((point - mean) ** 2 + (finite ? (upper - lower) ** 2 / 12 : 0));
      seen += k;
    }
    lower = upper;
  }
  return { mean, variance: seen > 0 ? sq / seen : 0 };
}

/** The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? -Infinity : p === 1 ? Infinity : NaN;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239]; // prettier-ignore
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1]; // prettier-ignore
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783]; // prettier-ignore
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) =>
    (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
    ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/**
 * A confidence interval for the canary's relative shift of the mean predicted value (Welch, with the
 * delta method for the ratio). Each side's standard error counts requests, not values: the values of
 * one answer (a forecast's months) move together, so n = min(requests, values) keeps it conservative.
 * The interval narrows as 1/√n: thin traffic gives a wide one.
 */
export function valueShiftInterval(
  canary: HistogramWindow,
  stable: HistogramWindow,
  level = 0.99,
): ValueShiftInterval {
  const mc = histogramMoments(canary);
  const ms = histogramMoments(stable);
  const units = (h: HistogramWindow) => Math.max(0, Math.min(h.requests, h.count));
  const n = { canary: units(canary), stable: units(stable) };
  const mean = { canary: mc.mean, stable: ms.mean };
  const usable = n.canary > 0 && n.stable > 0 && Number.isFinite(mc.mean) && Number.isFinite(ms.mean);
  if (!usable || ms.mean === 0) return { shift: NaN, low: -Infinity, high: Infinity, level, mean, n };
  const ratio = mc.mean / ms.mean;
  // d(ratio) = d(mc) / ms − mc · d(ms) / ms²
  const se = Math.sqrt((mc.variance / n.canary + (ratio ** 2 * ms.variance) / n.stable) / ms.mean ** 2);
  const z = normalQuantile(1 - (1 - level) / 2);
  const shift = (ratio - 1) * Math.sign(ms.mean); // (mc − ms) / |ms|
  return { shift, low: shift - z * se, high: shift + z * se, level, mean, n };
}

export interface ValueShiftThresholds {
  /** The practical threshold on the relative shift, either way. */
  maxShift: number;
  /** Fewer requests than this on either side: inconclusive. */
  minCount: number;
}

/**
 * Fail when the whole interval lies beyond ±maxShift (surely shifted that far); pass when it lies
 * within; an interval that straddles the threshold needs more requests: inconclusive.
 */
export function valueShiftVerdict(interval: ValueShiftInterval, t: ValueShiftThresholds): CanaryVerdict {
  if (Math.min(interval.n.canary, interval.n.stable) < t.minCount) return "inconclusive";
  if (interval.low > t.maxShift || interval.high < -t.maxShift) return "fail";
  if (interval.low >= -t.maxShift && interval.high <= t.maxShift) return "pass";
  return "inconclusive";
}
