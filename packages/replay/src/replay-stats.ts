/**
 * The statistics the canary analysis computes today, on counts and values instead of PromQL (the
 * same definitions as packages/deploy queries.ts): what `lockstep replay` predicts for a candidate.
 */

export type Counts = Record<string, number>;

const total = (counts: Counts) => Object.values(counts).reduce((a, b) => a + b, 0);

/**
 * Total-variation distance between two sides' class shares (0 to 1): half the sum of the absolute
 * share differences; a class only one side predicts counts in full. 0 when either side is empty.
 */
export function classShareShift(canary: Counts, stable: Counts): number {
  const nc = total(canary);
  const ns = total(stable);
  if (nc === 0 || ns === 0) return 0;
  let sum = 0;
  for (const label of new Set([...Object.keys(canary), ...Object.keys(stable)]))
    sum += Math.abs((canary[label] ?? 0) / nc - (stable[label] ?? 0) / ns);
  return sum / 2;
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** |mean(canary) - mean(stable)| / |mean(stable)|: the canary's value-shift; NaN without values or with a zero stable mean. */
export function valueShift(canary: readonly number[], stable: readonly number[]): number {
  if (canary.length === 0 || stable.length === 0) return Number.NaN;
  const ms = mean(stable);
  return ms === 0 ? Number.NaN : Math.abs(mean(canary) - ms) / Math.abs(ms);
}

/** The q-quantile of values (linear between order statistics, as numpy's default); NaN when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}
