export type ParamValue = number | string | boolean;

export type Distribution =
  | { type: "float"; low: number; high: number; log: boolean }
  | { type: "int"; low: number; high: number; log: boolean; step: number }
  | { type: "categorical"; choices: ParamValue[] };

export function validateDistribution(name: string, d: Distribution): void {
  const fail = (why: string): never => {
    throw new RangeError(`parameter "${name}": ${why}`);
  };
  if (d.type === "categorical") {
    if (d.choices.length === 0) fail("needs at least one choice");
    if (new Set(d.choices).size !== d.choices.length) fail("choices must be distinct");
    return;
  }
  if (!Number.isFinite(d.low) || !Number.isFinite(d.high) || d.low > d.high)
    fail(`low ${d.low} must be <= high ${d.high}`);
  if (d.log && d.low <= 0) fail("a log scale needs low > 0");
  if (d.type === "int") {
    if (!Number.isInteger(d.low) || !Number.isInteger(d.high)) fail("int bounds must be integers");
    if (!Number.isInteger(d.step) || d.step < 1) fail("step must be an integer >= 1");
    if (d.log && d.step !== 1) fail("a log scale needs step 1");
  }
}

export const sameDistribution = (a: Distribution, b: Distribution) => JSON.stringify(a) === JSON.stringify(b);

/** Numeric distributions are sampled in an internal space: log-scaled when `log`. */
export function toInternal(d: Exclude<Distribution, { type: "categorical" }>, value: number): number {
  return d.log ? Math.log(value) : value;
}

export function internalBounds(d: Exclude<Distribution, { type: "categorical" }>): [number, number] {
  // ints get half a step of room on each side so every value has an equal share of the line
  const pad = d.type === "int" ? (d.log ? 0.5 : d.step / 2) : 0;
  const low = d.low - pad;
  const high = d.high + pad;
  return d.log ? [Math.log(Math.max(low, d.low / 2 || 1e-12)), Math.log(high)] : [low, high];
}

export function fromInternal(d: Exclude<Distribution, { type: "categorical" }>, internal: number): number {
  const value = d.log ? Math.exp(internal) : internal;
  if (d.type === "float") return Math.min(d.high, Math.max(d.low, value));
  const stepped = d.low + Math.round((value - d.low) / d.step) * d.step;
  return Math.min(d.high, Math.max(d.low, stepped));
}
