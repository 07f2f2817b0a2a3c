import { Random } from "./random.js";

export interface PermutationImportanceOptions<P> {
  /** The fitted model's prediction on rows of features. */
  predict: (rows: number[][]) => P | Promise<P>;
  rows: number[][];
  y: ArrayLike<number>;
  /** A score of predictions against y; `greaterIsBetter` (default true) says which way is good. */
  score: (y: ArrayLike<number>, predictions: P) => number;
  greaterIsBetter?: boolean;
  /** Shuffles per feature (default 5). */
  repeats?: number;
  seed?: number;
  names?: string[];
}

export interface FeatureImportance {
  index: number;
  name: string;
  /** Mean drop in score when the feature is shuffled (positive: the model relies on it). */
  mean: number;
  std: number;
  drops: number[];
}

export interface PermutationImportance {
  baseline: number;
  features: FeatureImportance[];
}

/**
 * Permutation importance (Breiman; sklearn's permutation_importance): shuffle one feature's column
 * `repeats` times and measure how much the score drops. Seeded; the rows are not modified.
 */
export async function permutationImportance<P>(
  options: PermutationImportanceOptions<P>,
): Promise<PermutationImportance> {
  const { rows, y } = options;
  if (rows.length === 0 || rows.length !== y.length)
    throw new RangeError("rows and y must be non-empty and of equal length");
  const width = rows[0]!.length;
  if (rows.some((r) => r.length !== width))
    throw new RangeError("every row must have the same number of features");
  const repeats = options.repeats ?? 5;
  if (!Number.isInteger(repeats) || repeats < 1)
    throw new RangeError(`repeats must be an integer >= 1, got ${repeats}`);
  const sign = options.greaterIsBetter === false ? -1 : 1;
  const random = new Random(options.seed ?? 0);
  const baseline = options.score(y, await options.predict(rows));
  const features: FeatureImportance[] = [];
  for (let f = 0; f < width; f++) {
    const drops: number[] = [];
    const column = rows.map((r) => r[f]!);
    for (let r = 0; r < repeats; r++) {
      const shuffled = random.shuffle([...column]);
      const permuted = rows.map((row, i) => {
        const copy = [...row];
        copy[f] = shuffled[i]!;
        return copy;
      });
      drops.push(sign * (baseline - options.score(y, await options.predict(permuted))));
    }
    const mean = drops.reduce((a, b) => a + b, 0) / repeats;
    const std = Math.sqrt(drops.reduce((a, b) => a + (b - mean) ** 2, 0) / repeats);
    features.push({ index: f, name: options.names?.[f] ?? `f${f}`, mean, std, drops });
  }
  return { baseline, features };
}

/**
 * Feature selection by permutation importance: keep features whose mean drop exceeds `threshold`
 * (default 0), or the fewest most important features that carry `cumulative` (0..1] of the total
 * positive importance. Returns feature indices in their original order.
 */
export function selectFeatures(
  importance: PermutationImportance,
  options: { threshold?: number; cumulative?: number; minFeatures?: number } = {},
): number[] {
  const minFeatures = options.minFeatures ?? 1;
  const ranked = [...importance.features].sort((a, b) => b.mean - a.mean || a.index - b.index);
  let kept: FeatureImportance[];
  if (options.cumulative !== undefined) {
    if (!(options.cumulative > 0 && options.cumulative <= 1))
      throw new RangeError("cumulative must be in (0, 1]");
    const positive = ranked.filter((f) => f.mean > 0);
    const total = positive.reduce((s, f) => s + f.mean, 0);
    kept = [];
    let sum = 0;
    for (const f of positive) {
      if (total > 0 && sum / total >= options.cumulative) break;
      kept.push(f);
      sum += f.mean;
    }
  } else {
    const threshold = options.threshold ?? 0;
    kept = ranked.filter((f) => f.mean > threshold);
  }
  if (kept.length < minFeatures) kept = ranked.slice(0, minFeatures);
  return kept.map((f) => f.index).sort((a, b) => a - b);
}
