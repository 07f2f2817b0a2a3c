import {
  argmax,
  classificationReport,
  rocAucOvr,
  trainGbdt,
  walkForward,
  type ClassificationReport,
} from "@lockstep/ml";
import { cardMetadata, checkParity, exportTreeEnsemble, type ModelCard } from "@lockstep/onnx";
import { ModelError } from "../errors.js";
import { referenceProfile } from "../reference-profile.js";
import { phaseTimer, round } from "../phases.js";
import type { TrainContext, TrainedModel } from "../spec.js";
import { backtestSignals, type BacktestResult } from "./backtest.js";
import { candlesSha256, type CandleSeries } from "./candles.js";
import { buildDataset, project, take } from "./dataset.js";
import { FEATURE_NAMES, LOOKBACK } from "./features.js";
import { CLASSES } from "./labels.js";
import type { BtcParams } from "./params.js";
import { renderBtcReport } from "./report.js";
import {
  baselineTuned,
  foldProbabilities,
  gbdtParams,
  innerSplits,
  selectByPermutation,
  tune,
  type Tuning,
} from "./search.js";

export const TRAINER = { name: "lockstep/btc-signal gbdt", version: "1" };

export interface BtcEvaluation {
  report: ClassificationReport;
  aucWeighted: number;
  backtest: BacktestResult;
  folds: { start: string; end: string; rows: number; auc: number }[];
  baselines: { name: string; auc: number; macroF1: number }[];
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/:00\.000Z$/, "Z");

export async function trainBtc(
  series: CandleSeries,
  params: BtcParams,
  context: TrainContext,
): Promise<TrainedModel> {
  const { timings, phase } = phaseTimer(context.phase);
  const { log } = context;
  const barriers = { upperPct: params.upperPct, lowerPct: params.lowerPct, horizonBars: params.horizonBars };
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

  // 1. Feature selection and tuning see only the bars before the evaluation period, less a purge
  //    gap: the last dev labels would otherwise look into the first evaluation bars.
  const devEnd = evalStart - params.purgeBars;
  const dev = { rows: data.rows.slice(0, devEnd), y: data.y.slice(0, devEnd) };
  const inner = innerSplits(devEnd, params.purgeBars);
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
  const selectedNames = features.map((f) => FEATURE_NAMES[f]!);
  log(`feature selection: kept ${features.length} of ${FEATURE_NAMES.length}: ${selectedNames.join(", ")}`);
  const devRows = project(dev.rows, features);
  log(`tuning: ${params.trials} TPE trials over GBDT params, scored by weighted one-vs-rest AUC`);
  const tuning: Tuning = await phase("tuning", () =>
    tune(devRows, dev.y, inner, { trials: params.trials, seed: params.seed, log }),
  );
  log(`tuning: best inner AUC ${tuning.bestValue.toFixed(4)} with ${JSON.stringify(tuning.best)}`);

  // 2. Evaluation: expanding walk-forward folds over the last evalShare, purged by the label horizon.
  const rows = project(data.rows, features);
  const outer = walkForward(n, {
    folds: params.folds,
    testSize,
    purge: params.purgeBars,
    minTrain: evalStart - params.purgeBars,
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

  const metrics = {
    auc_ovr_weighted: round(aucWeighted),
    macro_f1: round(report.macro.f1),
    accuracy: round(report.accuracy),
    backtest_return: round(backtest.strategyReturn),
    buy_hold_return: round(backtest.buyHoldReturn),
  };
  log(
    `evaluation: weighted AUC ${metrics.auc_ovr_weighted.toFixed(4)}, macro-F1 ${metrics.macro_f1.toFixed(4)}, accuracy ${metrics.accuracy.toFixed(4)}; backtest ${(backtest.strategyReturn * 100).toFixed(1)}% vs buy-and-hold ${(backtest.buyHoldReturn * 100).toFixed(1)}%`,
  );

  // 3. The final model: every labelled bar, the chosen features and params.
  const final = await phase("final model", () =>
    trainGbdt(rows, data.y, gbdtParams(tuning.best, data.y, params.seed)),
  );
  const first = series.candles[0]!;
  const last = series.candles.at(-1)!;
  const protocol = `expanding walk-forward: ${params.folds} folds of ${testSize} bars over the last ${Math.round(params.evalShare * 100)}% of the labelled bars, purge ${params.purgeBars} bars; feature selection and tuning on the earlier bars only; triple-barrier labels +${params.upperPct}%/-${params.lowerPct}%/${params.horizonBars} bars`;
  const datasetSha256 = candlesSha256(series.candles);
  const card: ModelCard = {
    cardVersion: 1,
    name: "btc-signal",
    task: "classification",
    description: `Buy/sell/hold signal for the next ${params.horizonBars} bars from the last ${LOOKBACK} OHLCV candles (gradient-boosted trees on ${features.length} past-only features).`,
    inputs: [{ name: "features", type: "float32", shape: ["batch", features.length] }],
    outputs: [
      { name: "probabilities", type: "float32", shape: ["batch", CLASSES.length] },
      { name: "label", type: "int64", shape: ["batch"] },
    ],
    labels: [...CLASSES],
    preprocessing: {
      features: selectedNames,
      lookback: LOOKBACK,
      gaps: series.gaps.slice(0, 50),
      gapCount: series.gaps.length,
      gapPolicy: "features read the candles as given; bars whose label window spans a gap are not labelled",
    },
    params: { ...params, gbdt: tuning.best },
    seed: params.seed,
    metrics,
    evaluation: { protocol, folds: foldStats, baselines, confusion: report.confusion },
    data: {
      source: series.source,
      sha256: datasetSha256,
      rows: series.candles.length,
      start: iso(first.time),
      end: iso(last.time),
    },
    featureProfile: referenceProfile(
      "every labelled bar (features); the evaluation folds (predictions)",
      Object.fromEntries(features.map((f, k) => [FEATURE_NAMES[f]!, rows.map((r) => r[k]!)])),
      {
        signal: predictions.map((c) => CLASSES[c]!),
        ...Object.fromEntries(
          CLASSES.map((name, c) => [`p_${name}`, evaluated.probabilities.map((p) => p[c]!)]),
        ),
      },
    ),
    serving: {
      lookback: LOOKBACK,
      intervalMs: series.intervalMs,
      featureIndices: features,
      featureNames: selectedNames,
      barriers,
      lastCandle: iso(last.time),
    },
    trainer: TRAINER,
  };
  const onnx = exportTreeEnsemble(final.toEnsemble(), {
    inputName: "features",
    metadata: cardMetadata(card),
    docString: card.description,
  });

  // parity: the trainer's probabilities on the last 256 bars (as the float32 the graph reads) vs onnxruntime
  const tail = rows.slice(-256).map((r) => r.map(Math.fround));
  const expected = (final.predict(tail) as number[][]).flat();
  const parity = await checkParity(
    onnx,
    { name: "features", data: Float32Array.from(tail.flat()), dims: [tail.length, features.length] },
    { name: "probabilities", expected },
  );
  log(
    `parity: onnxruntime matches the trainer on ${parity.rows} bars (max |diff| ${parity.maxAbsDiff.toExponential(2)})`,
  );

  const evaluation: BtcEvaluation = { report, aucWeighted, backtest, folds: foldStats, baselines };
  const { markdown, assets } = renderBtcReport(
    card,
    evaluation,
    selection.importance,
    tuning,
    timings,
    parity,
  );
  return {
    onnx,
    card,
    metrics,
    evaluation: { protocol, dataset: series.source, datasetSha256 },
    report: markdown,
    assets,
    parity,
    timings,
  };
}
