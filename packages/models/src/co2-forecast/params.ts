import { ModelError } from "../errors.js";
import { parseParamsWith, type ParamRules } from "../param-rules.js";

export interface Co2Params {
  /** Longest forecast the exported model produces (months). */
  maxHorizon: number;
  /** Horizon of the evaluation backtest (months); MAPE over it is the gate metric. */
  evalHorizon: number;
  /** Rolling-origin backtest: number of origins and their spacing (months). */
  origins: number;
  originSpacing: number;
  /** Inner origins (3 months apart, before each backtest origin) used to choose the structure. */
  selectionOrigins: number;
  /** How many of the best structures are averaged into the final forecaster. */
  ensemble: number;
  /** The structures searched: every combination is scored on the inner origins. */
  windows: number[];
  degrees: number[];
  harmonics: number[];
  halfLives: number[];
  /** Central coverage of the prediction interval (0.5 .. 0.99). */
  intervalLevel: number;
  seed: number;
}

export const defaultCo2Params: Co2Params = {
  maxHorizon: 60,
  evalHorizon: 24,
  origins: 5,
  originSpacing: 12,
  selectionOrigins: 48,
  ensemble: 10,
  windows: [36, 60, 96, 120, 180, 240],
  degrees: [1, 2],
  harmonics: [2, 3, 4],
  halfLives: [0, 60],
  intervalLevel: 0.9,
  seed: 0,
};

const rules: ParamRules<Co2Params> = {
  maxHorizon: { kind: "number", int: true, min: 1, max: 120 },
  evalHorizon: { kind: "number", int: true, min: 1, max: 60 },
  origins: { kind: "number", int: true, min: 1, max: 50 },
  originSpacing: { kind: "number", int: true, min: 1, max: 60 },
  selectionOrigins: { kind: "number", int: true, min: 1, max: 200 },
  ensemble: { kind: "number", int: true, min: 1, max: 50 },
  windows: { kind: "list", int: true, min: 24, max: 600 },
  degrees: { kind: "list", int: true, min: 0, max: 3 },
  harmonics: { kind: "list", int: true, min: 0, max: 6 },
  halfLives: { kind: "list", min: 0, max: 10_000 },
  intervalLevel: { kind: "number", min: 0.5, max: 0.99 },
  seed: { kind: "number", int: true, min: 0, max: 2 ** 31 - 1 },
};

/** Merges user params over the defaults, rejecting unknown keys, wrong types and out-of-range values. */
export function parseCo2Params(input: unknown): Co2Params {
  const params = parseParamsWith(defaultCo2Params, rules, input);
  if (params.evalHorizon > params.maxHorizon) {
    throw new ModelError(
      "PARAMS_INVALID",
      `evalHorizon (${params.evalHorizon}) must not exceed maxHorizon (${params.maxHorizon})`,
    );
  }
  return params;
}
