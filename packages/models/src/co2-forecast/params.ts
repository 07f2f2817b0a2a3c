import { ModelError } from "../errors.js";
import { parseParamsWith, type ParamRules } from "../param-rules.js";

/** The backtest's horizons (months): metrics are named `<metric>_h<horizon>`. */
export const EVAL_HORIZONS = [12, 24] as const;

export interface Co2Params {
  /** Longest forecast the exported model produces (months). */
  maxHorizon: number;
  /** Rolling-origin backtest: origins per horizon and their spacing (months). */
  origins: number;
  originSpacing: number;

  // the trend + seasonality base forecaster (the previous model), searched at every origin
  /** Inner origins (3 months apart, before each backtest origin) used to choose the structure. */
  selectionOrigins: number;
  /** How many of the best structures are averaged into the base forecaster. */
  ensemble: number;
  windows: number[];
  degrees: number[];
  harmonics: number[];
  halfLives: number[];

  // the LSTM that forecasts the base forecaster's errors from the recent stationary residuals
  /** Months of history the residuals are taken from (trend + 4 harmonics removed over this window). */
  residualWindow: number;
  /** The LSTM's input sequence: the last `sequenceLength` residuals. */
  sequenceLength: number;
  units: number;
  /** LSTMs trained with different seeds and averaged. */
  members: number;
  epochs: number;
  /** Early stopping: epochs without a better validation loss. */
  patience: number;
  learningRate: number;
  batchSize: number;
  /** The most recent share of training windows held out for early stopping and the intervals. */
  validationFraction: number;

  /** Central coverage of the prediction interval (0.5 .. 0.99). */
  intervalLevel: number;
  seed: number;
}

export const defaultCo2Params: Co2Params = {
  maxHorizon: 60,
  origins: 6,
  originSpacing: 12,
  selectionOrigins: 48,
  ensemble: 10,
  windows: [36, 60, 96, 120, 180, 240],
  degrees: [1, 2],
  harmonics: [2, 3, 4],
  halfLives: [0, 60],
  residualWindow: 60,
  sequenceLength: 36,
  units: 32,
  members: 3,
  epochs: 80,
  patience: 10,
  learningRate: 0.003,
  batchSize: 64,
  validationFraction: 0.2,
  intervalLevel: 0.9,
  seed: 0,
};

const rules: ParamRules<Co2Params> = {
  maxHorizon: { kind: "number", int: true, min: EVAL_HORIZONS.at(-1)!, max: 120 },
  origins: { kind: "number", int: true, min: 1, max: 50 },
  originSpacing: { kind: "number", int: true, min: 1, max: 60 },
  selectionOrigins: { kind: "number", int: true, min: 1, max: 200 },
  ensemble: { kind: "number", int: true, min: 1, max: 50 },
  windows: { kind: "list", int: true, min: 24, max: 600 },
  degrees: { kind: "list", int: true, min: 0, max: 3 },
  harmonics: { kind: "list", int: true, min: 0, max: 6 },
  halfLives: { kind: "list", min: 0, max: 10_000 },
  residualWindow: { kind: "number", int: true, min: 24, max: 600 },
  sequenceLength: { kind: "number", int: true, min: 1, max: 240 },
  units: { kind: "number", int: true, min: 1, max: 256 },
  members: { kind: "number", int: true, min: 1, max: 10 },
  epochs: { kind: "number", int: true, min: 1, max: 1000 },
  patience: { kind: "number", int: true, min: 1, max: 1000 },
  learningRate: { kind: "number", min: 1e-6, max: 1 },
  batchSize: { kind: "number", int: true, min: 1, max: 4096 },
  validationFraction: { kind: "number", min: 0.05, max: 0.5 },
  intervalLevel: { kind: "number", min: 0.5, max: 0.99 },
  seed: { kind: "number", int: true, min: 0, max: 2 ** 31 - 1 },
};

/** Merges user params over the defaults, rejecting unknown keys, wrong types and out-of-range values. */
export function parseCo2Params(input: unknown): Co2Params {
  const params = parseParamsWith(defaultCo2Params, rules, input);
  if (params.sequenceLength > params.residualWindow) {
    throw new ModelError(
      "PARAMS_INVALID",
      `sequenceLength (${params.sequenceLength}) must not exceed residualWindow (${params.residualWindow})`,
    );
  }
  return params;
}
