/**
 * Whether a larger value of a metric is better, from its name; undefined when the name does not
 * say (the pull request then shows the change without calling it better or worse). The gate's own
 * metric always uses the gate's declared goal instead.
 */
export function higherIsBetter(metric: string): boolean | undefined {
  const name = metric.toLowerCase();
  if (/(^|_)(rmse|mse|mae|mape|smape|loss|logloss|log_loss|error|brier|pinball|crps|latency)(_|$)/.test(name))
    return false;
  if (/(^|_)(accuracy|acc|f1|auc|r2|precision|recall|sharpe|return|hit_rate|top\d+)(_|$)/.test(name))
    return true;
  return undefined;
}
