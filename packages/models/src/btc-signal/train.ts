import { trainGbdt } from "@lockstep/ml";
import { exportTreeEnsemble } from "@lockstep/onnx";
import { ModelError } from "../errors.js";
import { phaseTimer, round, type Phase } from "../phases.js";
import type { TrainContext, TrainerResult } from "../spec.js";
import { candlesSha256, type CandleSeries } from "./candles.js";
import { btcCard } from "./card.js";
import { buildDataset, project, type Dataset } from "./dataset.js";
import { evaluateWalkForward, spread } from "./evaluation.js";
import { FEATURE_NAMES, LOOKBACK } from "./features.js";
import { CLASSES, describeBarriers, labelCounts } from "./labels.js";
import { barriersOf, type BtcParams } from "./params.js";
import { renderBtcReport } from "./report.js";
import {
  gbdtParams,
  innerSplits,
  requireClassesPerFold,
  selectByPermutation,
  tune,
  type Tuning,
} from "./search.js";

/**
 * Feature selection and tuning see only the bars before the evaluation period, less a purge gap:
 * the last dev labels would otherwise look into the first evaluation bars.
 */
async function selectAndTune(
  data: Dataset,
  devEnd: number,
  params: BtcParams,
  phase: Phase,
  log: (m: string) => void,
) {
  const dev = { rows: data.rows.slice(0, devEnd), y: data.y.slice(0, devEnd) };
  const inner = innerSplits(devEnd, params.purgeBars);
  requireClassesPerFold(dev.y, inner, "feature selection and tuning:");
  log(
    `feature selection: permutation importance on ${inner.length} walk-forward folds of the first ${devEnd} bars`,
  );
  const selection = await phase("selection", () =>
    selectByPermutation(dev.rows, dev.y, FEATURE_NAMES, inner, {
      cumulative: params.selectCumulative,
      repeats: params.permutationRepeats,
      seed: params.seed,
    }),
  );
  const features = selection.features;
  log(
    `feature selection: kept ${features.length} of ${FEATURE_NAMES.length}: ${features.map((f) => FEATURE_NAMES[f]!).join(", ")}`,
  );
  const devRows = project(dev.rows, features);
  log(`tuning: ${params.trials} TPE trials over GBDT params, scored by weighted one-vs-rest AUC`);
  const tuning: Tuning = await phase("tuning", () =>
    tune(devRows, dev.y, inner, { trials: params.trials, seed: params.seed, log }),
  );
  log(`tuning: best inner AUC ${tuning.bestValue.toFixed(4)} with ${JSON.stringify(tuning.best)}`);
  return { selection, features, tuning };
}

/** Features → selection and tuning → walk-forward evaluation → the final model → ONNX with its card. */
export async function trainBtc(
  series: CandleSeries,
  params: BtcParams,
  context: TrainContext,
): Promise<TrainerResult> {
  const { timings, phase } = phaseTimer(context.phase);
  const { log } = context;
  const barriers = barriersOf(params);
  const data = await phase("features", () => buildDataset(series, barriers));
  const n = data.rows.length;
  const classCounts = CLASSES.map((_, c) => data.y.filter((v) => v === c).length);
  log(
    `features: ${FEATURE_NAMES.length} per bar from the last ${LOOKBACK} candles; ${n} labelled bars (${CLASSES.map((c, i) => `${c} ${classCounts[i]}`).join(", ")}), ${data.unlabelled} without a label, ${series.gaps.length} gaps`,
  );
  const evalStart = Math.floor(n * (1 - params.evalShare));
  const testSize = Math.floor((n - evalStart) / params.folds);
  if (evalStart - params.purgeBars < 200 || testSize < 20 || classCounts.filter((c) => c > 0).length < 2) {
    throw new ModelError(
      "DATA_INVALID",
      `not enough labelled bars to train and evaluate (${n} labelled, ${classCounts.filter((c) => c > 0).length} classes present; need a few hundred of at least two classes)`,
    );
  }

  const { selection, features, tuning } = await selectAndTune(
    data,
    evalStart - params.purgeBars,
    params,
    phase,
    log,
  );
  const rows = project(data.rows, features);
  const { evaluation, predictions, probabilities } = await evaluateWalkForward({
    series,
    data,
    rows,
    params,
    tuning,
    evalStart,
    testSize,
    phase,
    log,
  });
  const { report, backtest } = evaluation;
  const foldAuc = spread(evaluation.folds.map((f) => f.auc));
  const logistic = evaluation.baselines.find((b) => b.name === "logistic regression")!;
  const metrics = {
    auc_ovr_weighted: round(evaluation.aucWeighted),
    auc_fold_mean: round(foldAuc.mean),
    auc_fold_sd: round(foldAuc.sd),
    logistic_auc: logistic.auc,
    logistic_backtest_return: logistic.backtestReturn,
    macro_f1: round(report.macro.f1),
    accuracy: round(report.accuracy),
    backtest_return: round(backtest.strategyReturn),
    buy_hold_return: round(backtest.buyHoldReturn),
  };
  log(
    `evaluation: weighted AUC ${metrics.auc_ovr_weighted.toFixed(4)}, macro-F1 ${metrics.macro_f1.toFixed(4)}, accuracy ${metrics.accuracy.toFixed(4)}; backtest ${(backtest.strategyReturn * 100).toFixed(1)}% vs buy-and-hold ${(backtest.buyHoldReturn * 100).toFixed(1)}%`,
  );

  // the final model: every labelled bar, the chosen features and params
  const final = await phase("final model", () =>
    trainGbdt(rows, data.y, gbdtParams(tuning.best, data.y, params.seed)),
  );
  const protocol = `expanding walk-forward: ${params.folds} folds of ${testSize} bars over the last ${Math.round(params.evalShare * 100)}% of labelled bars, purge ${params.purgeBars} bars; tuned on earlier bars; triple-barrier ${describeBarriers(barriers)}`;
  const datasetSha256 = candlesSha256(series.candles);
  const card = btcCard({
    series,
    params,
    features,
    rows,
    tuning,
    evaluation,
    predictions,
    probabilities,
    protocol,
    datasetSha256,
    labelCounts: labelCounts(data.y),
  });
  const model = exportTreeEnsemble(final.toEnsemble(), { inputName: "features" });

  // parity: the trainer's probabilities on the last 256 bars, as the float32 the graph reads
  const tail = rows.slice(-256).map((r) => r.map(Math.fround));
  const expected = (final.predict(tail) as number[][]).flat();
  return {
    model,
    card,
    metrics,
    folds: { auc_ovr_weighted: evaluation.folds.map((f) => round(f.auc)) },
    parity: {
      input: { name: "features", data: Float32Array.from(tail.flat()), dims: [tail.length, features.length] },
      output: { name: "probabilities", expected },
      rows: "bars",
    },
    report: (finished, parity) =>
      renderBtcReport(finished, params, evaluation, selection.importance, tuning, timings, parity),
    timings,
  };
}
