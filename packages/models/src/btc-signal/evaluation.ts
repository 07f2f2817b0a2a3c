import {
  argmax,
  classificationReport,
  rocAucOvr,
  trainLogistic,
  walkForward,
  type ClassificationReport,
} from "@lockstep/ml";
import type { Phase } from "../phases.js";
import { round } from "../phases.js";
import { backtestSignals, type BacktestResult } from "./backtest.js";
import type { CandleSeries } from "./candles.js";
import { take, type Dataset } from "./dataset.js";
import { CLASSES } from "./labels.js";
import type { BtcParams } from "./params.js";
import { baselineTuned, foldProbabilities, requireClassesPerFold, type Tuning } from "./search.js";

/** What the walk-forward evaluation measured: the card and the report are made from it. */
export interface BtcEvaluation {
  report: ClassificationReport;
  aucWeighted: number;
  backtest: BacktestResult;
  folds: { start: string; end: string; rows: number; auc: number }[];
  /** Every baseline on the same folds: pooled AUC and macro-F1, AUC per fold, and its signals' backtest. */
  baselines: { name: string; auc: number; macroF1: number; foldAuc: number[]; backtestReturn: number }[];
}

/** Mean and sample standard deviation of per-fold values. */
export function spread(values: readonly number[]): { mean: number; sd: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const sd =
    values.length > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1)) : 0;
  return { mean, sd };
}

export const iso = (ms: number) => new Date(ms).toISOString().replace(/:00\.000Z$/, "Z");

export interface WalkForwardJob {
  series: CandleSeries;
  data: Dataset;
  /** The labelled bars' rows projected on the selected features. */
  rows: number[][];
  params: BtcParams;
  tuning: Tuning;
  /** First bar of the evaluation period, and the bars in each outer test fold. */
  evalStart: number;
  testSize: number;
  phase: Phase;
  log: (message: string) => void;
}

/**
 * Expanding walk-forward folds over the last evalShare, purged by the label horizon: the tuned
 * GBDT's scores, a backtest of its signals, and two baselines on the same folds.
 */
export async function evaluateWalkForward(job: WalkForwardJob) {
  const { series, data, rows, params, tuning, phase, log } = job;
  const n = data.rows.length;
  const outer = walkForward(n, {
    folds: params.folds,
    testSize: job.testSize,
    purge: params.purgeBars,
    minTrain: job.evalStart - params.purgeBars,
  });
  requireClassesPerFold(data.y, outer, "evaluation:");
  const foldStats: BtcEvaluation["folds"] = [];
  const evaluated = await phase("evaluation", () =>
    foldProbabilities(rows, data.y, outer, tuning.best, params.seed, (fold, yTest, p) => {
      const split = outer[fold]!;
      const auc = rocAucOvr(yTest, p, "weighted");
      foldStats.push({
        start: iso(series.candles[data.bars[split.test[0]!]!]!.time),
        end: iso(series.candles[data.bars[split.test.at(-1)!]!]!.time),
        rows: split.test.length,
        auc: round(auc, 4),
      });
      log(
        `evaluation fold ${fold + 1}/${outer.length}: ${split.test.length} bars from ${foldStats.at(-1)!.start}, AUC ${auc.toFixed(4)}`,
      );
    }),
  );
  const predictions = evaluated.probabilities.map(argmax);
  const testBars = outer.flatMap((s) => take(data.bars, s.test));
  const report = classificationReport(evaluated.yTrue, predictions, CLASSES.length);
  const aucWeighted = rocAucOvr(evaluated.yTrue, evaluated.probabilities, "weighted");
  const backtest = backtestSignals(series.candles, testBars, predictions, params.feePct);

  // Baselines on the same folds: the majority class of each training window, logistic regression
  // and the untuned GBDT on all features
  const majority = outer.flatMap((s) => {
    const counts = [0, 0, 0];
    for (const i of s.train) counts[data.y[i]!]!++;
    const m = argmax(counts);
    return s.test.map(() => CLASSES.map((_, c) => (c === m ? 1 : 0)));
  });
  const untuned = await phase("baselines", () =>
    foldProbabilities(data.rows, data.y, outer, baselineTuned, params.seed),
  );
  const logistic = await phase("baselines", () =>
    outer.flatMap((s) =>
      trainLogistic(take(data.rows, s.train), take(data.y, s.train), CLASSES.length).predict(
        take(data.rows, s.test),
      ),
    ),
  );
  let offset = 0;
  const foldRanges = outer.map((s) => [offset, (offset += s.test.length)] as const);
  const baselineOf = (name: string, p: number[][]) => ({
    name,
    auc: round(rocAucOvr(evaluated.yTrue, p, "weighted"), 4),
    macroF1: round(classificationReport(evaluated.yTrue, p.map(argmax), 3).macro.f1, 4),
    // a fold where the baseline's scores are constant (majority class) scores 0.5
    foldAuc: foldRanges.map(([from, to]) =>
      round(rocAucOvr(evaluated.yTrue.slice(from, to), p.slice(from, to), "weighted"), 4),
    ),
    backtestReturn: round(
      backtestSignals(series.candles, testBars, p.map(argmax), params.feePct).strategyReturn,
    ),
  });
  const baselines = [
    baselineOf("majority class", majority),
    baselineOf("logistic regression", logistic),
    baselineOf("GBDT, all features, untuned", untuned.probabilities),
  ];
  const evaluation: BtcEvaluation = { report, aucWeighted, backtest, folds: foldStats, baselines };
  return { evaluation, predictions, probabilities: evaluated.probabilities };
}
