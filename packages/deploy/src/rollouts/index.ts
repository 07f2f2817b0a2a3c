export { parseDuration, parseDurationNs } from "./duration.js";
export {
  evalCondition,
  evalJsonCondition,
  isArgoExprError,
  type ExprResult,
  type JsonResult,
} from "./expr.js";
export {
  goJsonMarshal,
  parseWebJsonPath,
  webMeasure,
  webMeasurement,
  webTimeoutMs,
  type WebAnswer,
  type WebProvider,
} from "./web-result.js";
export { MAX_EXPR_BYTES, MAX_EXPR_DEPTH } from "./expr-parse.js";
export {
  evaluateResult,
  formatGoFloat,
  prometheusMeasurement,
  prometheusQueryResult,
  type PrometheusOutcome,
} from "./prometheus-result.js";
export {
  assessMetric,
  assessRun,
  assessRunDetailed,
  DEFAULT_CONSECUTIVE_ERROR_LIMIT,
  effectiveCount,
  intValue,
  isCompleted,
  isTerminating,
  isWorse,
  metricFailure,
  newMetricResult,
  recordMeasurement,
  rolloutAction,
  validateMetric,
  type AnalysisPhase,
  type IntOrString,
  type Measurement,
  type Metric,
  type MetricResult,
  type RolloutAction,
  type RunEntry,
} from "./assessment.js";
export {
  DEFAULT_ERROR_RETRY_INTERVAL_MS,
  resolveMetricArgs,
  runAnalysis,
  substituteArgs,
  type AnalysisRunReport,
  type RunAnalysisOptions,
  type RunMeasurement,
  type RunMetricReport,
} from "./run.js";
