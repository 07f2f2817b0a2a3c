import {
  permutationImportance,
  rocAucOvr,
  selectFeatures,
  Study,
  trainGbdt,
  TrialPruned,
  walkForward,
  type GbdtParams,
  type PermutationImportance,
  type Split,
  type TrialRecord,
} from "@lockstep/ml";
import { ModelError } from "../errors.js";
import { take } from "./dataset.js";

export type ClassWeighting = "none" | "balanced";

/** The GBDT settings the search tunes; the rest are fixed. */
export interface TunedParams {
  nEstimators: number;
  learningRate: number;
  maxDepth: number;
  numLeaves: number;
  minSamplesLeaf: number;
  subsample: number;
  colsample: number;
  lambda: number;
  classWeighting: ClassWeighting;
}

export const baselineTuned: TunedParams = {
  nEstimators: 100,
  learningRate: 0.05,
  maxDepth: 4,
  numLeaves: 15,
  minSamplesLeaf: 50,
  subsample: 0.8,
  colsample: 0.8,
  lambda: 1,
  classWeighting: "none",
};

export function gbdtParams(t: TunedParams, y: readonly number[], seed: number): GbdtParams {
  const counts = [0, 0, 0];
  for (const v of y) counts[v]!++;
  return {
    objective: "multiclass",
    numClasses: 3,
    nEstimators: t.nEstimators,
    learningRate: t.learningRate,
    maxDepth: t.maxDepth,
    numLeaves: t.numLeaves,
    minSamplesLeaf: t.minSamplesLeaf,
    minHessianLeaf: 1e-3,
    lambda: t.lambda,
    minGain: 0,
    subsample: t.subsample,
    colsample: t.colsample,
    maxBins: 255,
    classWeights:
      t.classWeighting === "balanced" ? counts.map((c) => (c === 0 ? 1 : y.length / (3 * c))) : undefined,
    seed,
  };
}

/** Probabilities of each test row of each split, from a model trained on that split's train rows. */
export function foldProbabilities(
  rows: number[][],
  y: number[],
  splits: Split[],
  tuned: TunedParams,
  seed: number,
  onFold?: (fold: number, yTest: number[], probabilities: number[][]) => void,
): { yTrue: number[]; probabilities: number[][] } {
  const yTrue: number[] = [];
  const probabilities: number[][] = [];
  splits.forEach((split, fold) => {
    const yTrain = take(y, split.train);
    const model = trainGbdt(take(rows, split.train), yTrain, gbdtParams(tuned, yTrain, seed));
    const p = model.predict(take(rows, split.test)) as number[][];
    const yTest = take(y, split.test);
    onFold?.(fold, yTest, p);
    yTrue.push(...yTest);
    probabilities.push(...p);
  });
  return { yTrue, probabilities };
}

/** Inner walk-forward folds over the tuning period (the evaluation period is never seen). */
export function innerSplits(n: number, purge: number): Split[] {
  const folds = 3;
  const testSize = Math.floor((n * 0.4) / folds);
  return walkForward(n, { folds, testSize, purge, minTrain: Math.floor(n * 0.3) });
}

/**
 * Refuses folds whose test window holds a single class: AUC is undefined there, so the data is too
 * short or too one-sided for walk-forward scoring (a clear DATA_INVALID, not a crash mid-training).
 */
export function requireClassesPerFold(y: readonly number[], splits: readonly Split[], what: string): void {
  for (const [fold, split] of splits.entries()) {
    const first = y[split.test[0]!];
    if (split.test.every((i) => y[i] === first))
      throw new ModelError(
        "DATA_INVALID",
        `${what} fold ${fold + 1} of ${splits.length} (${split.test.length} bars) holds only one label class: its AUC is undefined; give more or more varied bars, or fewer folds`,
      );
  }
}

export interface Selection {
  features: number[];
  importance: PermutationImportance;
}

/**
 * Permutation importance (weighted one-vs-rest AUC drop) on each inner test fold of a baseline
 * model, averaged over the folds; keeps the features that carry `cumulative` of it.
 */
export async function selectByPermutation(
  rows: number[][],
  y: number[],
  names: readonly string[],
  splits: Split[],
  options: { cumulative: number; repeats: number; seed: number },
): Promise<Selection> {
  const perFold: PermutationImportance[] = [];
  for (const split of splits) {
    const yTrain = take(y, split.train);
    const model = trainGbdt(take(rows, split.train), yTrain, gbdtParams(baselineTuned, yTrain, options.seed));
    perFold.push(
      await permutationImportance({
        predict: (r) => model.predict(r) as number[][],
        rows: take(rows, split.test),
        y: take(y, split.test),
        score: (yt, p) => rocAucOvr(yt, p, "weighted"),
        repeats: options.repeats,
        seed: options.seed,
        names: [...names],
      }),
    );
  }
  const importance: PermutationImportance = {
    baseline: perFold.reduce((s, p) => s + p.baseline, 0) / perFold.length,
    features: names.map((name, index) => {
      const drops = perFold.flatMap((p) => p.features[index]!.drops);
      const mean = drops.reduce((a, b) => a + b, 0) / drops.length;
      const std = Math.sqrt(drops.reduce((a, b) => a + (b - mean) ** 2, 0) / drops.length);
      return { index, name, mean, std, drops };
    }),
  };
  const features = selectFeatures(importance, { cumulative: options.cumulative, minFeatures: 5 });
  return { features, importance };
}

export interface Tuning {
  best: TunedParams;
  bestValue: number;
  trials: TrialRecord[];
}

/** TPE over the GBDT params, maximising the mean weighted AUC of the inner folds (median pruning per fold). */
export async function tune(
  rows: number[][],
  y: number[],
  splits: Split[],
  options: { trials: number; seed: number; log: (message: string) => void },
): Promise<Tuning> {
  const study = new Study({ direction: "maximize", sampler: "tpe", seed: options.seed });
  await study.optimize(
    (trial) => {
      const tuned: TunedParams = {
        nEstimators: trial.suggestInt("nEstimators", 40, 300, { log: true }),
        learningRate: trial.suggestFloat("learningRate", 0.01, 0.2, { log: true }),
        maxDepth: trial.suggestInt("maxDepth", 2, 6),
        numLeaves: trial.suggestInt("numLeaves", 4, 32, { log: true }),
        minSamplesLeaf: trial.suggestInt("minSamplesLeaf", 20, 400, { log: true }),
        subsample: trial.suggestFloat("subsample", 0.5, 1),
        colsample: trial.suggestFloat("colsample", 0.3, 1),
        lambda: trial.suggestFloat("lambda", 0.01, 30, { log: true }),
        classWeighting: trial.suggestCategorical("classWeighting", ["none", "balanced"] as const),
      };
      const aucs: number[] = [];
      foldProbabilities(rows, y, splits, tuned, options.seed, (fold, yTest, p) => {
        aucs.push(rocAucOvr(yTest, p, "weighted"));
        trial.report(aucs.reduce((a, b) => a + b, 0) / aucs.length, fold);
        if (trial.shouldPrune()) throw new TrialPruned();
      });
      return aucs.reduce((a, b) => a + b, 0) / aucs.length;
    },
    {
      trials: options.trials,
      onTrial: (t) =>
        options.log(
          `  trial ${t.number + 1}/${options.trials}: ${t.state === "complete" ? `AUC ${t.value!.toFixed(4)}` : t.state}`,
        ),
    },
  );
  const completed = study.completed();
  const best = completed.reduce((a, b) => (b.value! > a.value! ? b : a));
  return { best: best.params as unknown as TunedParams, bestValue: best.value!, trials: study.trials };
}
