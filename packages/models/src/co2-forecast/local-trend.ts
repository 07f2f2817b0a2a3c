import { leastSquaresOperator, matmul, type Matrix } from "@lockstep/ml";

/** The structure of the forecaster: a trend polynomial plus yearly harmonics, fitted on a window. */
export interface LocalTrendConfig {
  /** Months of history the fit sees. */
  window: number;
  /** Degree of the trend polynomial (1 = linear, 2 = quadratic). */
  degree: number;
  /** Number of yearly harmonics (sin/cos pairs with periods 12, 6, 4, ... months). */
  harmonics: number;
  /** Half-life in months of the weights (0 = equal weights): recent months count more. */
  halfLife: number;
}

const PERIOD = 12;

export const describeStructure = (s: LocalTrendConfig): string =>
  `window ${s.window}, degree ${s.degree}, ${s.harmonics} harmonics, half-life ${s.halfLife || "none"}`;

// sin(2πm/12) for m = 0..11 from exact square roots: no Math.sin, whose last bits may differ
// between JavaScript engines, so the trained bytes do not depend on the Node.js version.
const HALF_ROOT3 = Math.sqrt(3) / 2;
const SIN12 = [0, 0.5, HALF_ROOT3, 1, HALF_ROOT3, 0.5, 0, -0.5, -HALF_ROOT3, -1, -HALF_ROOT3, -0.5];
const sin12 = (m: number) => SIN12[((m % PERIOD) + PERIOD) % PERIOD]!;
const cos12 = (m: number) => sin12(m + 3);

function row(index: number, window: number, config: LocalTrendConfig): number[] {
  // Time scaled to about [-1, 0] over the window keeps the normal equations well conditioned.
  const s = (index - (window - 1)) / window;
  const features = [1];
  for (let p = 1, power = s; p <= config.degree; p++, power *= s) features.push(power);
  for (let k = 1; k <= config.harmonics; k++) features.push(sin12(k * index), cos12(k * index));
  return features;
}

function fit(config: LocalTrendConfig): { design: Matrix; beta: Matrix } {
  const { window } = config;
  if (config.harmonics * 2 > PERIOD || config.degree < 0 || window < 2 * PERIOD) {
    throw new RangeError(`invalid forecaster structure ${JSON.stringify(config)}`);
  }
  const design = Array.from({ length: window }, (_, i) => row(i, window, config));
  const weights =
    config.halfLife > 0
      ? Array.from({ length: window }, (_, i) => 0.5 ** ((window - 1 - i) / config.halfLife))
      : undefined;
  return { design, beta: leastSquaresOperator(design, weights, 1e-9) };
}

/**
 * The H x W matrix that maps the last W values of a series to its next H values under a weighted
 * least-squares fit of trend + seasonality on those W values. Forecasting is `P · history`, one
 * MatMul: the whole model fits in an ONNX graph.
 */
export function forecastOperator(config: LocalTrendConfig, horizon: number): Matrix {
  const { beta } = fit(config);
  const future = Array.from({ length: horizon }, (_, h) => row(config.window + h, config.window, config));
  return matmul(future, beta);
}

/**
 * The W x W matrix that maps a window to what is left after removing its fitted trend and
 * seasonality (I - hat matrix): a stationary transform that is linear, so it fits in the graph too.
 */
export function residualOperator(config: LocalTrendConfig): Matrix {
  const { design, beta } = fit(config);
  const hat = matmul(design, beta);
  return hat.map((r, i) => r.map((v, j) => (i === j ? 1 : 0) - v));
}

/** Applies an operator to the last `window` values of `series` ending at (excluding) `end`. */
export function applyOperator(operator: Matrix, series: ArrayLike<number>, end: number): number[] {
  const window = operator[0]!.length;
  if (end < window) throw new RangeError(`need ${window} months of history, have ${end}`);
  return operator.map((weights) => {
    let sum = 0;
    for (let i = 0; i < window; i++) sum += weights[i]! * series[end - window + i]!;
    return sum;
  });
}
