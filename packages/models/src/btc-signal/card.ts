import { referenceProfile } from "../reference-profile.js";
import type { CandleSeries } from "./candles.js";
import { iso, type BtcEvaluation } from "./evaluation.js";
import { FEATURE_NAMES, LOOKBACK } from "./features.js";
import { CLASSES } from "./labels.js";
import { barriersOf, type BtcParams } from "./params.js";
import type { Tuning } from "./search.js";
import type { TrainerCard } from "../spec.js";

export interface BtcCardInput {
  series: CandleSeries;
  params: BtcParams;
  /** Indices into FEATURE_NAMES of the selected features, in input order. */
  features: number[];
  /** The labelled bars' rows projected on them. */
  rows: number[][];
  tuning: Tuning;
  evaluation: BtcEvaluation;
  /** The evaluation folds' predicted classes and probabilities. */
  predictions: number[];
  probabilities: number[][];
  /** Labelled bars per class. */
  labelCounts: Record<string, number>;
  protocol: string;
  datasetSha256: string;
}

/** btc-signal's card: what it reads, what it answers, how it was evaluated, what serving needs. */
export function btcCard(input: BtcCardInput): TrainerCard {
  const { series, params, features, rows, evaluation } = input;
  const barriers = barriersOf(params);
  const selectedNames = features.map((f) => FEATURE_NAMES[f]!);
  const first = series.candles[0]!;
  const last = series.candles.at(-1)!;
  return {
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
    chosen: { gbdt: input.tuning.best },
    evaluation: {
      protocol: input.protocol,
      folds: evaluation.folds,
      baselines: evaluation.baselines,
      confusion: evaluation.report.confusion,
    },
    data: {
      source: series.source,
      sha256: input.datasetSha256,
      rows: series.candles.length,
      labelCounts: input.labelCounts,
      start: iso(first.time),
      end: iso(last.time),
    },
    featureProfile: referenceProfile(
      "every labelled bar (features); the evaluation folds (predictions)",
      Object.fromEntries(features.map((f, k) => [FEATURE_NAMES[f]!, rows.map((r) => r[k]!)])),
      {
        signal: input.predictions.map((c) => CLASSES[c]!),
        ...Object.fromEntries(CLASSES.map((name, c) => [`p_${name}`, input.probabilities.map((p) => p[c]!)])),
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
  };
}
