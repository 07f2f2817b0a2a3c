import { ModelError, quoted } from "./errors.js";

/** How one param is checked: a number, a list of numbers, a string or one of fixed choices. */
export type ParamRule =
  | { kind: "number"; int?: boolean; min: number; max: number }
  | { kind: "list"; int?: boolean; min: number; max: number; maxItems?: number }
  | { kind: "string"; maxLength: number; optional?: boolean; check?: (value: string) => string | undefined }
  | { kind: "choice"; values: readonly string[] };

export type ParamRules<P> = { [K in keyof P]-?: ParamRule };

function checkNumber(key: string, value: unknown, rule: { int?: boolean; min: number; max: number }): number {
  if (typeof value !== "number" || !Number.isFinite(value) || (rule.int && !Number.isInteger(value))) {
    throw new ModelError(
      "PARAMS_INVALID",
      `param "${key}" must be ${rule.int ? "an integer" : "a number"}, got ${quoted(value)}`,
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

function checkParam(key: string, value: unknown, rule: ParamRule): unknown {
  switch (rule.kind) {
    case "number":
      return checkNumber(key, value, rule);
    case "list": {
      const maxItems = rule.maxItems ?? 20;
      if (!Array.isArray(value) || value.length === 0 || value.length > maxItems) {
        throw new ModelError("PARAMS_INVALID", `param "${key}" must be a list of 1 to ${maxItems} numbers`);
      }
      return value.map((v, i) => checkNumber(`${key}[${i}]`, v, rule));
    }
    case "string": {
      if (value === null && rule.optional) return null;
      if (typeof value !== "string" || value.length > rule.maxLength) {
        throw new ModelError(
          "PARAMS_INVALID",
          `param "${key}" must be a string of at most ${rule.maxLength} characters`,
        );
      }
      const why = rule.check?.(value);
      if (why) throw new ModelError("PARAMS_INVALID", `param "${key}": ${why}`);
      return value;
    }
    case "choice":
      if (typeof value !== "string" || !rule.values.includes(value)) {
        throw new ModelError(
          "PARAMS_INVALID",
          `param "${key}" must be one of ${rule.values.map((v) => JSON.stringify(v)).join(", ")}, got ${quoted(value)}`,
        );
      }
      return value;
  }
}

/** Merges user params over the defaults, rejecting unknown keys, wrong types and out-of-range values. */
export function parseParamsWith<P extends object>(defaults: P, rules: ParamRules<P>, input: unknown): P {
  if (input === undefined || input === null) return { ...defaults };
  if (typeof input !== "object" || Array.isArray(input)) {
    throw new ModelError("PARAMS_INVALID", "params must be a JSON object");
  }
  const params = { ...defaults } as Record<string, unknown>;
  for (const [key, value] of Object.entries(input)) {
    if (!Object.hasOwn(rules, key)) {
      throw new ModelError(
        "PARAMS_INVALID",
        `unknown param "${key}" (known: ${Object.keys(rules).join(", ")})`,
      );
    }
    params[key] = checkParam(key, value, (rules as Record<string, ParamRule>)[key]!);
  }
  return params as P;
}
