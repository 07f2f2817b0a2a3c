import { Random } from "./random.js";

/** One split of row indices (both sorted ascending). */
export interface Split {
  train: number[];
  test: number[];
}

const range = (start: number, end: number) =>
  Array.from({ length: Math.max(0, end - start) }, (_, i) => start + i);
const ascending = (a: number, b: number) => a - b;

function positiveInt(name: string, value: number, min = 1): void {
  if (!Number.isInteger(value) || value < min)
    throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
}

/** A seeded random hold-out split; `testFraction` of the rows (at least one) go to test. */
export function holdOut(
  n: number,
  options: { testFraction?: number; seed?: number; shuffle?: boolean } = {},
): Split {
  positiveInt("n", n, 2);
  const fraction = options.testFraction ?? 0.2;
  if (!(fraction > 0 && fraction < 1))
    throw new RangeError(`testFraction must be in (0, 1), got ${fraction}`);
  const rows = range(0, n);
  if (options.shuffle !== false) new Random(options.seed ?? 0).shuffle(rows);
  const testSize = Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
  // without shuffling the test rows are the last ones: a time-ordered hold-out
  const test = rows.slice(n - testSize).sort(ascending);
  const train = rows.slice(0, n - testSize).sort(ascending);
  return { train, test };
}

/**
 * Stratified k-fold: each class's rows are shuffled (seeded) and dealt round-robin over the folds,
 * so every fold keeps the class proportions. A class with fewer than k rows leaves some folds without it.
 */
export function stratifiedKFold(labels: ArrayLike<number | string>, k: number, seed = 0): Split[] {
  positiveInt("k", k, 2);
  if (labels.length < k) throw new RangeError(`${labels.length} rows cannot make ${k} folds`);
  const byClass = new Map<number | string, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const rows = byClass.get(labels[i]!) ?? [];
    rows.push(i);
    byClass.set(labels[i]!, rows);
  }
  const random = new Random(seed);
  const foldOf = new Array<number>(labels.length);
  let offset = 0;
  for (const key of [...byClass.keys()].sort()) {
    const rows = random.shuffle(byClass.get(key)!);
    rows.forEach((row, i) => (foldOf[row] = (offset + i) % k));
    offset = (offset + rows.length) % k; // keeps fold sizes balanced across classes
  }
  return range(0, k).map((fold) => ({
    train: range(0, labels.length).filter((i) => foldOf[i] !== fold),
    test: range(0, labels.length).filter((i) => foldOf[i] === fold),
  }));
}

/**
 * Group k-fold: every group (e.g. frames of one video track) lands whole in one fold, so
 * near-duplicates never sit on both sides. Groups are assigned largest first to the smallest fold.
 */
export function groupKFold(groups: ArrayLike<number | string>, k: number, seed = 0): Split[] {
  positiveInt("k", k, 2);
  const members = new Map<number | string, number[]>();
  for (let i = 0; i < groups.length; i++) {
    const rows = members.get(groups[i]!) ?? [];
    rows.push(i);
    members.set(groups[i]!, rows);
  }
  if (members.size < k) throw new RangeError(`${members.size} groups cannot make ${k} folds`);
  const keys = new Random(seed).shuffle([...members.keys()].sort());
  keys.sort((a, b) => members.get(b)!.length - members.get(a)!.length); // stable: ties keep the shuffle
  const sizes = new Array<number>(k).fill(0);
  const foldOf = new Array<number>(groups.length);
  for (const key of keys) {
    const fold = sizes.indexOf(Math.min(...sizes));
    for (const row of members.get(key)!) foldOf[row] = fold;
    sizes[fold]! += members.get(key)!.length;
  }
  return range(0, k).map((fold) => ({
    train: range(0, groups.length).filter((i) => foldOf[i] !== fold),
    test: range(0, groups.length).filter((i) => foldOf[i] === fold),
  }));
}

/**
 * Rolling-origin backtest for a series of n points: `origins` origins `spacing` apart, the last
 * test window ending at the last point; train is everything before each origin.
 */
export function rollingOrigin(
  n: number,
  options: { origins: number; horizon: number; spacing?: number; minTrain?: number },
): Split[] {
  positiveInt("origins", options.origins);
  positiveInt("horizon", options.horizon);
  const spacing = options.spacing ?? options.horizon;
  positiveInt("spacing", spacing);
  const minTrain = options.minTrain ?? 1;
  const splits = range(0, options.origins)
    .map((i) => n - options.horizon - spacing * i)
    .reverse()
    .map((origin) => ({ train: range(0, origin), test: range(origin, origin + options.horizon) }));
  if (splits[0]!.train.length < minTrain) {
    throw new RangeError(
      `the first origin leaves ${splits[0]!.train.length} training points; at least ${minTrain} are needed`,
    );
  }
  return splits;
}

/**
 * Walk-forward validation for labels that look ahead: `folds` consecutive test blocks of `testSize`
 * rows ending at the last row. Train is every earlier row except the `purge` rows just before the
 * test block (their labels overlap it). With `expanding: false` train keeps only the last
 * `maxTrain` rows.
 */
export function walkForward(
  n: number,
  options: { folds: number; testSize: number; purge?: number; minTrain?: number; maxTrain?: number },
): Split[] {
  positiveInt("folds", options.folds);
  positiveInt("testSize", options.testSize);
  const purge = options.purge ?? 0;
  if (!Number.isInteger(purge) || purge < 0)
    throw new RangeError(`purge must be an integer >= 0, got ${purge}`);
  const minTrain = options.minTrain ?? 1;
  return range(0, options.folds)
    .map((i) => n - options.testSize * (options.folds - i))
    .map((start) => {
      const end = start - purge;
      const begin = options.maxTrain ? Math.max(0, end - options.maxTrain) : 0;
      if (end - begin < minTrain) {
        throw new RangeError(
          `a fold starting at row ${start} leaves ${Math.max(0, end - begin)} training rows; at least ${minTrain} are needed`,
        );
      }
      return { train: range(begin, end), test: range(start, start + options.testSize) };
    });
}

/**
 * Purged k-fold with embargo (López de Prado): contiguous test blocks; train drops the `purge` rows
 * before each block and the `embargo` rows after it, so no training label overlaps the test period.
 */
export function purgedKFold(n: number, options: { k: number; purge?: number; embargo?: number }): Split[] {
  positiveInt("k", options.k, 2);
  if (n < options.k) throw new RangeError(`${n} rows cannot make ${options.k} folds`);
  const purge = options.purge ?? 0;
  const embargo = options.embargo ?? 0;
  if (purge < 0 || embargo < 0) throw new RangeError("purge and embargo must be >= 0");
  return range(0, options.k).map((fold) => {
    const start = Math.floor((fold * n) / options.k);
    const end = Math.floor(((fold + 1) * n) / options.k);
    return {
      train: range(0, n).filter((i) => i < start - purge || i >= end + embargo),
      test: range(start, end),
    };
  });
}
