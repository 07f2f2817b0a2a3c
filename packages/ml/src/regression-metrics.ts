/** Forecast and regression error metrics. Inputs are paired arrays of equal, non-zero length. */

function check(actual: ArrayLike<number>, predicted: ArrayLike<number>): void {
  if (actual.length !== predicted.length) {
    throw new RangeError(`metric inputs differ in length: ${actual.length} vs ${predicted.length}`);
  }
  if (actual.length === 0) throw new RangeError("metric inputs are empty");
}

export function mae(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  check(actual, predicted);
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += Math.abs(actual[i]! - predicted[i]!);
  return sum / actual.length;
}

export function rmse(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  check(actual, predicted);
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += (actual[i]! - predicted[i]!) ** 2;
  return Math.sqrt(sum / actual.length);
}

/** Mean absolute percentage error, in percent. Undefined for zero actuals (throws). */
export function mape(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  check(actual, predicted);
  let sum = 0;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] === 0) throw new RangeError("MAPE is undefined when an actual value is 0");
    sum += Math.abs((actual[i]! - predicted[i]!) / actual[i]!);
  }
  return (100 * sum) / actual.length;
}

/**
 * Symmetric MAPE, in percent (0..200): mean of |a - p| / ((|a| + |p|) / 2). A pair of zeros counts 0.
 */
export function smape(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  check(actual, predicted);
  let sum = 0;
  for (let i = 0; i < actual.length; i++) {
    const denominator = (Math.abs(actual[i]!) + Math.abs(predicted[i]!)) / 2;
    if (denominator > 0) sum += Math.abs(actual[i]! - predicted[i]!) / denominator;
  }
  return (100 * sum) / actual.length;
}

/**
 * The in-sample MAE of the seasonal-naive forecast y[t] = y[t-m] on a training series: the
 * denominator of MASE (Hyndman & Koehler 2006).
 */
export function seasonalNaiveScale(train: ArrayLike<number>, m: number): number {
  if (train.length <= m)
    throw new RangeError(`MASE needs more than ${m} training points, got ${train.length}`);
  let sum = 0;
  for (let i = m; i < train.length; i++) sum += Math.abs(train[i]! - train[i - m]!);
  return sum / (train.length - m);
}

/** Mean absolute scaled error: MAE divided by the seasonal-naive in-sample MAE. */
export function mase(actual: ArrayLike<number>, predicted: ArrayLike<number>, scale: number): number {
  if (!(scale > 0)) throw new RangeError("MASE scale must be positive");
  return mae(actual, predicted) / scale;
}
