import { DeployError } from "../errors.js";
import { parseDurationNs } from "./duration.js";

/*
 * How Argo Rollouts v1.7.2 (chart argo-rollouts 2.38.0, appVersion v1.7.2; tag commit
 * 59e5bd385c031600f86075beb9d77620f8d7915e) counts measurements and judges a metric, a run and the rollout.
 * Sources: analysis/analysis.go, utils/analysis/helpers.go, utils/analysis/factory.go,
 * utils/defaults/defaults.go, pkg/apis/rollouts/v1alpha1/analysis_types.go, rollout/analysis.go, rollout/canary.go.
 */

/** analysis_types.go:199-219 */
export type AnalysisPhase = "Pending" | "Running" | "Successful" | "Failed" | "Error" | "Inconclusive";
/** Kubernetes IntOrString: a number, or a string Argo reads with strconv.Atoi (e.g. from `{{args.count}}`). */
export type IntOrString = number | string;

/** The Metric fields that decide scheduling and verdicts (analysis_types.go:89-124). Durations are Go durations. */
export interface Metric {
  name: string;
  interval?: string;
  initialDelay?: string;
  count?: IntOrString;
  failureLimit?: IntOrString;
  inconclusiveLimit?: IntOrString;
  consecutiveErrorLimit?: IntOrString;
  successCondition?: string;
  failureCondition?: string;
}

/** One measurement; times are milliseconds since the epoch (Argo keeps metav1.Time). */
export interface Measurement {
  phase: AnalysisPhase;
  value?: string;
  message?: string;
  startedAt?: number;
  finishedAt?: number;
  metadata?: Record<string, string>;
}

/** The counters Argo keeps per metric (analysis_types.go MetricResult); Error measurements do not count. */
export interface MetricResult {
  name: string;
  phase: AnalysisPhase;
  count: number;
  successful: number;
  failed: number;
  inconclusive: number;
  error: number;
  consecutiveError: number;
  measurements: Measurement[];
  message?: string;
  dryRun?: boolean;
}

/** The default consecutiveErrorLimit (utils/defaults/defaults.go:35-37, 246-251). */
export const DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4;

/** The Completed phases (analysis_types.go:213-219). */
export const isCompleted = (phase: AnalysisPhase | undefined): boolean =>
  phase === "Successful" || phase === "Failed" || phase === "Error" || phase === "Inconclusive";

/** intstr.IntOrString.IntValue(): a string goes through strconv.Atoi and is 0 when not an integer. */
export function intValue(v: IntOrString): number {
  if (typeof v === "number") return v;
  return /^[+-]?[0-9]+$/.test(v) && Math.abs(Number(v)) <= 2 ** 63 ? Number(v) : 0;
}

/** analysis_types.go:151-165: count unset (or 0) → 1 without an interval, unbounded (undefined) with one. */
export function effectiveCount(metric: Metric): number | undefined {
  if (metric.count === undefined || intValue(metric.count) === 0) {
    return metric.interval ? undefined : 1;
  }
  return intValue(metric.count);
}

/** A new, empty result, as runMeasurements creates it on the first measurement (analysis.go:366-376). */
export function newMetricResult(name: string, dryRun = false): MetricResult {
  return { name, phase: "Running", count: 0, successful: 0, failed: 0, inconclusive: 0, error: 0, consecutiveError: 0, measurements: [], dryRun }; // prettier-ignore
}

/**
 * Add a finished measurement to a result (analysis.go:378-416); returns a new result. Successful, Failed and
 * Inconclusive each add to count and reset consecutiveError; Error adds to error and consecutiveError only.
 */
export function recordMeasurement(result: MetricResult, measurement: Measurement): MetricResult {
  const next = { ...result, measurements: [...result.measurements, measurement] };
  switch (measurement.phase) {
    case "Successful":
      return { ...next, successful: next.successful + 1, count: next.count + 1, consecutiveError: 0 };
    case "Failed":
      return { ...next, failed: next.failed + 1, count: next.count + 1, consecutiveError: 0 };
    case "Inconclusive":
      return { ...next, inconclusive: next.inconclusive + 1, count: next.count + 1, consecutiveError: 0 };
    case "Error":
      return { ...next, error: next.error + 1, consecutiveError: next.consecutiveError + 1 };
    default:
      return next; // an in-flight measurement changes no counter
  }
}

/**
 * assessMetricFailureInconclusiveOrError (analysis.go:618-646): strictly more than the limit trips it;
 * failureLimit and inconclusiveLimit default to 0, consecutiveErrorLimit to 4. Later checks win:
 * Error over Inconclusive over Failed.
 */
export function metricFailure(
  metric: Metric,
  result: MetricResult,
): { phase: AnalysisPhase; message: string } | undefined {
  let out: { phase: AnalysisPhase; message: string } | undefined;
  const failureLimit = metric.failureLimit === undefined ? 0 : intValue(metric.failureLimit);
  if (result.failed > failureLimit) {
    out = { phase: "Failed", message: `failed (${result.failed}) > failureLimit (${failureLimit})` }; // :626-629
  }
  const inconclusiveLimit = metric.inconclusiveLimit === undefined ? 0 : intValue(metric.inconclusiveLimit);
  if (result.inconclusive > inconclusiveLimit) {
    out = {
      phase: "Inconclusive",
      message: `inconclusive (${result.inconclusive}) > inconclusiveLimit (${inconclusiveLimit})`,
    }; // :635-638 prettier-ignore
  }
  const errorLimit =
    metric.consecutiveErrorLimit === undefined
      ? DEFAULT_CONSECUTIVE_ERROR_LIMIT
      : intValue(metric.consecutiveErrorLimit);
  if (result.consecutiveError > errorLimit) {
    out = {
      phase: "Error",
      message: `consecutiveErrors (${result.consecutiveError}) > consecutiveErrorLimit (${errorLimit})`,
    }; // :641-644 prettier-ignore
  }
  return out;
}

/** assessMetricStatus (analysis.go:575-616): the metric's phase from its counters and last measurement. */
export function assessMetric(metric: Metric, result: MetricResult, terminating: boolean): AnalysisPhase {
  if (isCompleted(result.phase)) return result.phase; // :576-578 a completed metric never changes
  const last = result.measurements.at(-1);
  if (last === undefined) return terminating ? "Successful" : "Pending"; // :580-587
  if (!isCompleted(last.phase)) return "Running"; // :588-592 in-flight measurement
  const failure = metricFailure(metric, result);
  if (failure) return failure.phase; // :596-600 limits are checked before count
  const count = effectiveCount(metric);
  if (count !== undefined && result.count >= count) return "Successful"; // :605-609 count reached, limits not exceeded
  if (terminating) return "Successful"; // :611-614 an unbounded metric ends Successful when terminated
  return "Running"; // :615
}

// utils/analysis/helpers.go:47-70: best to worst; a phase not listed ranks as the first
const ORDER: readonly AnalysisPhase[] = [
  "Successful",
  "Running",
  "Pending",
  "Inconclusive",
  "Error",
  "Failed",
];
export const isWorse = (current: AnalysisPhase, next: AnalysisPhase): boolean =>
  Math.max(ORDER.indexOf(next), 0) > Math.max(ORDER.indexOf(current), 0);

/** One metric as assessRunStatus sees it: its assessed phase (undefined: no MetricResult yet). */
export interface RunEntry {
  name?: string;
  phase: AnalysisPhase | undefined;
  dryRun?: boolean;
  /** metricFailure(...).message, for the run message. */
  reason?: string;
  /** The metric result's message (its last measurement's message). */
  message?: string;
}

/** assessRunStatus (analysis.go:432-569) with Argo's run message. */
export function assessRunDetailed(
  entries: readonly RunEntry[],
  terminating: boolean,
): { phase: AnalysisPhase; message: string } {
  let worst: AnalysisPhase | undefined;
  let message = "";
  let everythingCompleted = true;
  for (const e of entries) {
    if (e.phase === undefined || !isCompleted(e.phase)) {
      everythingCompleted = false; // :489-491, :547-550 running or not yet started
      continue;
    }
    if (e.dryRun) {
      worst ??= "Successful"; // :520-525 a dry-run metric never makes the run worse
      continue;
    }
    if (worst === undefined || isWorse(worst, e.phase)) {
      worst = e.phase; // :497-505 the worst completed phase
      if (e.reason) {
        message = `Metric "${e.name ?? ""}" assessed ${e.phase} due to ${e.reason}`;
        if (e.message) message += `: "Error Message: ${e.message}"`;
      }
    }
  }
  if (terminating) return { phase: worst ?? "Successful", message: message.trim() }; // :556-564
  if (!everythingCompleted || worst === undefined) return { phase: "Running", message: "" }; // :565-567
  return { phase: worst, message: message.trim() }; // :568
}

/**
 * The run's phase from its metrics' assessed phases (analysis.go:432-569): Running until every metric
 * completed, then the worst (Failed > Error > Inconclusive > Successful); when terminating, the worst so far.
 * `undefined` is a metric without a result yet (e.g. still in its initialDelay).
 */
export function assessRun(
  metricPhases: readonly (AnalysisPhase | undefined)[],
  options: { terminating?: boolean; dryRun?: readonly boolean[] } = {},
): AnalysisPhase {
  const entries = metricPhases.map((phase, i) => ({ phase, dryRun: options.dryRun?.[i] ?? false }));
  return assessRunDetailed(entries, options.terminating ?? false).phase;
}

/** IsTerminating (helpers.go:83-100): terminate requested, or a non-dry-run metric Failed, Errored or was Inconclusive. */
export function isTerminating(results: Iterable<MetricResult>, terminate = false): boolean {
  if (terminate) return true;
  for (const r of results) {
    if (!r.dryRun && (r.phase === "Failed" || r.phase === "Error" || r.phase === "Inconclusive")) return true;
  }
  return false;
}

export type RolloutAction = "continue" | "abort" | "pause" | "wait";

/**
 * What a canary step's AnalysisRun phase does to the rollout: Successful completes the step
 * (rollout/canary.go:339-342); Failed or Error aborts (rollout/analysis.go:395-400, AddAbort); Inconclusive pauses
 * with PauseReasonInconclusiveAnalysis (rollout/analysis.go:396-397) until resumed or aborted; otherwise the step waits.
 */
export function rolloutAction(runPhase: AnalysisPhase): RolloutAction {
  if (runPhase === "Successful") return "continue";
  if (runPhase === "Failed" || runPhase === "Error") return "abort";
  if (runPhase === "Inconclusive") return "pause";
  return "wait";
}

/** ValidateMetric (utils/analysis/factory.go:149-196), without the provider checks. Throws ROLLOUTS_METRIC_INVALID. */
export function validateMetric(metric: Metric): void {
  const bad = (message: string) =>
    new DeployError("ROLLOUTS_METRIC_INVALID", `metric ${metric.name}: ${message}`);
  for (const key of ["count", "failureLimit", "inconclusiveLimit", "consecutiveErrorLimit"] as const) {
    const v = metric[key];
    if (typeof v === "number" && !Number.isSafeInteger(v)) throw bad(`${key} must be an integer`);
  }
  const count = metric.count === undefined ? 0 : intValue(metric.count);
  const failureLimit = metric.failureLimit === undefined ? 0 : intValue(metric.failureLimit);
  const inconclusiveLimit = metric.inconclusiveLimit === undefined ? 0 : intValue(metric.inconclusiveLimit);
  if (count > 0 && count < failureLimit) throw bad("count must be >= failureLimit");
  if (count > 0 && count < inconclusiveLimit) throw bad("count must be >= inconclusiveLimit");
  if (count > 1 && !metric.interval) throw bad("interval must be specified when count > 1");
  const duration = (text: string, what: string) => {
    try {
      parseDurationNs(text);
    } catch (error) {
      throw bad(`invalid ${what} string: ${(error as Error).message}`);
    }
  };
  if (metric.interval) duration(metric.interval, "interval");
  if (metric.initialDelay) duration(metric.initialDelay, "startDelay");
  if (failureLimit < 0) throw bad("failureLimit must be >= 0");
  if (inconclusiveLimit < 0) throw bad("inconclusiveLimit must be >= 0");
  if (metric.consecutiveErrorLimit !== undefined && intValue(metric.consecutiveErrorLimit) < 0) {
    throw bad("consecutiveErrorLimit must be >= 0");
  }
}
