import {
  argmax,
  classificationReport,
  rocAucOvr,
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
import { baselineTuned, foldProbabilities, type Tuning } from "./search.js";

/** What the walk-forward evaluation measured: the card and the report are made from it. */
export interface BtcEvaluation {
  report: ClassificationReport;
  aucWeighted: number;
  backtest: BacktestResult;
  folds: { start: string; end: string; rows: number; auc: number }[];
  baselines: { name: string; auc: number; macroF1: number }[];
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

  // Baselines on the same folds: the majority class of each training window, and the untuned GBDT on all features.
  const majority = outer.flatMap((s) => {
    const counts = [0, 0, 0];
    for (const i of s.train) counts[data.y[i]!]!++;
    const m = argmax(counts);
    return s.test.map(() => CLASSES.map((_, c) => (c === m ? 1 : 0)));
  });
  const untuned = await phase("baselines", () =>
    foldProbabilities(data.rows, data.y, outer, baselineTuned, params.seed),
  );
  const baselineOf = (name: string, p: number[][]) => ({
    name,
    auc: round(rocAucOvr(evaluated.yTrue, p, "weighted"), 4),
    macroF1: round(classificationReport(evaluated.yTrue, p.map(argmax), 3).macro.f1, 4),
  });
  const baselines = [
    baselineOf("majority class", majority),
    baselineOf("GBDT, all features, untuned", untuned.probabilities),
  ];
  const evaluation: BtcEvaluation = { report, aucWeighted, backtest, folds: foldStats, baselines };
  return { evaluation, predictions, probabilities: evaluated.probabilities };
}
