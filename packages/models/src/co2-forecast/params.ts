import { ModelError } from "../errors.js";

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

type Rule = { int?: boolean; min: number; max: number };
const scalarRules: Partial<Record<keyof Co2Params, Rule>> = {
  maxHorizon: { int: true, min: 1, max: 120 },
  evalHorizon: { int: true, min: 1, max: 60 },
  origins: { int: true, min: 1, max: 50 },
  originSpacing: { int: true, min: 1, max: 60 },
  selectionOrigins: { int: true, min: 1, max: 200 },
  ensemble: { int: true, min: 1, max: 50 },
  intervalLevel: { min: 0.5, max: 0.99 },
  seed: { int: true, min: 0, max: 2 ** 31 - 1 },
};
const listRules: Partial<Record<keyof Co2Params, Rule>> = {
  windows: { int: true, min: 24, max: 600 },
  degrees: { int: true, min: 0, max: 3 },
  harmonics: { int: true, min: 0, max: 6 },
  halfLives: { min: 0, max: 10_000 },
};

function checkNumber(key: string, value: unknown, rule: Rule): number {
  if (typeof value !== "number" || !Number.isFinite(value) || (rule.int && !Number.isInteger(value))) {
    throw new ModelError(
      "PARAMS_INVALID",
      `param "${key}" must be ${rule.int ? "an integer" : "a number"}, got ${JSON.stringify(value)}`,
    );
  }
  if (value < rule.min || value > rule.max) {
    throw new ModelError(
      "PARAMS_INVALID",
      `param "${key}" must be between ${rule.min} and ${rule.max}, got ${value}`,
    );
  }
  return value;
}

/** Merges user params over the defaults, rejecting unknown keys, wrong types and out-of-range values. */
export function parseCo2Params(input: unknown): Co2Params {
  if (input === undefined || input === null) return { ...defaultCo2Params };
  if (typeof input !== "object" || Array.isArray(input)) {
    throw new ModelError("PARAMS_INVALID", "params must be a JSON object");
  }
  const params: Co2Params = { ...defaultCo2Params };
  for (const [key, value] of Object.entries(input)) {
    const scalar = scalarRules[key as keyof Co2Params];
    const list = listRules[key as keyof Co2Params];
    if (scalar) {
      (params as unknown as Record<string, number>)[key] = checkNumber(key, value, scalar);
    } else if (list) {
      if (!Array.isArray(value) || value.length === 0 || value.length > 20) {
        throw new ModelError("PARAMS_INVALID", `param "${key}" must be a list of 1 to 20 numbers`);
      }
      (params as unknown as Record<string, number[]>)[key] = value.map((v, i) =>
        checkNumber(`${key}[${i}]`, v, list),
      );
    } else {
      const known = Object.keys(defaultCo2Params).join(", ");
      throw new ModelError("PARAMS_INVALID", `unknown param "${key}" (known: ${known})`);
    }
  }
  if (params.evalHorizon > params.maxHorizon) {
    throw new ModelError(
      "PARAMS_INVALID",
      `evalHorizon (${params.evalHorizon}) must not exceed maxHorizon (${params.maxHorizon})`,
    );
  }
  return params;
}
