import { setTimeout as delay } from "node:timers/promises";
import { DeployError } from "../errors.js";
import {
  assessMetric,
  assessRunDetailed,
  effectiveCount,
  isCompleted,
  isTerminating,
  metricFailure,
  newMetricResult,
  recordMeasurement,
  validateMetric,
  type AnalysisPhase,
  type Measurement,
  type Metric,
  type MetricResult,
} from "./assessment.js";
import { parseDuration } from "./duration.js";
import { resolveMetricArgs } from "./metric-args.js";
import { metricReport, type AnalysisRunReport } from "./run-report.js";

export { resolveMetricArgs, substituteArgs } from "./metric-args.js";
export type { AnalysisRunReport, RunMeasurement, RunMetricReport } from "./run-report.js";

/*
 * The AnalysisRun controller loop of Argo Rollouts v1.7.2 (analysis/analysis.go:43-140 reconcileAnalysisRun):
 * each reconcile takes the due measurements (generateMetricTasks :176-250), counts them (runMeasurements
 * :312-427), assesses metrics and run (assessRunStatus :432-569) and sleeps until the next due time
 * (calculateNextReconcileTime :650-718). A reconcile that changed the status is followed at once by another,
 * as the status update re-enqueues the run (analysis/controller.go:129-133).
 */

/** DefaultErrorRetryInterval (analysis.go:28-30): after an Error measurement the next one waits 10 s, whatever the interval. */
export const DEFAULT_ERROR_RETRY_INTERVAL_MS = 10_000;

export interface RunAnalysisOptions<M extends Metric> {
  metrics: readonly M[];
  /** Take one measurement of the (argument-resolved) metric, e.g. query Prometheus and prometheusMeasurement(). */
  measure: (metric: M) => Promise<Measurement> | Measurement;
  /** Milliseconds since the epoch; Date.now by default. */
  now?: () => number;
  /** Wait this many milliseconds (resolve early when `signal` aborts); real timers by default. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Values for `{{args.NAME}}` anywhere in the metrics (template.go:52-66). */
  args?: Readonly<Record<string, string | undefined>>;
  /** spec.dryRun: metrics whose name matches a rule (a regular expression) never fail the run. */
  dryRun?: readonly { metricName: string }[];
  /** Aborting is spec.terminate = true: no new measurements, and the run ends (analysis.go:442-444, 556-564). */
  signal?: AbortSignal;
  /** Override DefaultErrorRetryInterval (10 s) for tests. */
  errorRetryIntervalMs?: number;
  /**
   * Kubernetes stores startedAt/finishedAt as metav1.Time, in whole seconds, and the reconcile that follows the
   * status update reads them back: due times are truncated-timestamp + interval. Default 1000; 1 for exact times.
   */
  timestampResolutionMs?: number;
  /** Refuse to take more measurements than this (a guard against unbounded metrics with a fake clock). */
  maxMeasurements?: number;
}

const realSleep = async (ms: number, signal?: AbortSignal) => {
  await delay(ms, undefined, { signal }).catch(() => undefined);
};

/** Run an AnalysisRun to completion and report its phase, as the controller would judge it. */
export async function runAnalysis<M extends Metric>(
  options: RunAnalysisOptions<M>,
): Promise<AnalysisRunReport> {
  const clock = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const signal = options.signal;
  const retryMs = options.errorRetryIntervalMs ?? DEFAULT_ERROR_RETRY_INTERVAL_MS;
  const resolution = options.timestampResolutionMs ?? 1000;
  const persisted = (t: number) => (resolution > 1 ? Math.floor(t / resolution) * resolution : t);
  const maxMeasurements = options.maxMeasurements ?? 10_000;
  const results = new Map<string, MetricResult>();
  let startedAt: number | undefined;
  let metrics: M[] = [...options.metrics];
  const dryRun = new Set<string>();
  const report = (phase: AnalysisPhase, message: string): AnalysisRunReport => ({
    phase,
    message,
    startedAt,
    completedAt: clock(),
    metrics: metrics.map((m) => metricReport(m, results.get(m.name), dryRun.has(m.name))),
  });

  // analysis.go:59-97: unresolvable arguments or an invalid spec end the run in Error before any measurement
  try {
    metrics = metrics.map((m) => resolveMetricArgs(m, options.args ?? {}));
  } catch (error) {
    return report("Error", `Unable to resolve metric arguments: ${(error as Error).message}`);
  }
  try {
    if (metrics.length === 0) throw new Error("no metrics specified"); // factory.go:131-146 ValidateMetrics
    metrics.forEach((m, i) => {
      if (metrics.findIndex((o) => o.name === m.name) !== i) throw new Error(`metrics[${i}]: duplicate name '${m.name}'`); // prettier-ignore
      validateMetric(m);
    });
    // helpers.go:125-144 GetDryRunMetrics: each rule must match some metric name
    (options.dryRun ?? []).forEach((rule, i) => {
      const matching = metrics.filter((m) => safeMatch(rule.metricName, m.name));
      if (matching.length === 0) throw new Error(`dryRun[${i}]: Rule didn't match any metric name(s)`);
      matching.forEach((m) => dryRun.add(m.name));
    });
  } catch (error) {
    return report("Error", `Analysis spec invalid: ${(error as Error).message}`);
  }
  const interval = new Map(metrics.map((m) => [m.name, m.interval ? parseDuration(m.interval) : undefined]));
  const initialDelay = new Map(metrics.map((m) => [m.name, m.initialDelay ? parseDuration(m.initialDelay) : undefined])); // prettier-ignore

  // the wait after the last measurement: 10 s after an Error, else the interval (analysis.go:233-242, 694-710)
  const waitAfter = (m: M, last: Measurement) =>
    last.phase === "Error" ? retryMs : (interval.get(m.name) ?? retryMs);
  const lastOf = (m: M) => results.get(m.name)?.measurements.at(-1);
  const countReached = (m: M) => {
    const count = effectiveCount(m);
    return count !== undefined && (results.get(m.name)?.count ?? 0) >= count;
  };

  /** generateMetricTasks (analysis.go:176-250): is a measurement of this metric due now? */
  const isDue = (m: M, now: number, terminating: boolean): boolean => {
    if (isCompleted(results.get(m.name)?.phase)) return false; // :182-184
    if (terminating) return false; // :200-203 a terminating run takes no new measurement
    const last = lastOf(m);
    if (last === undefined) {
      const d = initialDelay.get(m.name);
      if (d === undefined) return true; // :219-222 first measurement at once
      return startedAt !== undefined && persisted(startedAt) + d <= now; // :205-218 after startedAt + initialDelay
    }
    if (countReached(m)) return false; // :224-229
    return now > persisted(last.finishedAt!) + waitAfter(m, last); // :243 strictly after finishedAt + interval
  };

  /** calculateNextReconcileTime (analysis.go:650-718): the earliest time any metric falls due. */
  const nextReconcile = (now: number): number | undefined => {
    let next: number | undefined;
    for (const m of metrics) {
      if (isCompleted(results.get(m.name)?.phase)) continue; // :653-656
      const last = lastOf(m);
      let t: number | undefined;
      const d = initialDelay.get(m.name);
      if (last === undefined)
        t = d === undefined ? undefined : persisted(startedAt ?? now) + d; // :659-678
      else if (!countReached(m) && (last.phase === "Error" || interval.get(m.name) !== undefined)) {
        t = persisted(last.finishedAt!) + waitAfter(m, last); // :688-715
      }
      if (t !== undefined && (next === undefined || t < next)) next = t;
    }
    return next;
  };

  const takeMeasurement = async (m: M): Promise<Measurement> => {
    const start = clock();
    let measurement: Measurement;
    try {
      measurement = await options.measure(m);
    } catch (error) {
      const refused =
        error instanceof DeployError &&
        /^ROLLOUTS_(EXPR_UNSUPPORTED|EXPR_LIMIT|JSONPATH_UNSUPPORTED)$/.test(error.code);
      if (refused) throw error; // a condition this port cannot judge: no verdict
      measurement = { phase: "Error", value: "", message: (error as Error).message }; // a provider error is an Error measurement
    }
    if (!isCompleted(measurement.phase)) {
      throw new DeployError("ROLLOUTS_RUN_INVALID", `measure(${m.name}) returned phase ${measurement.phase}: Prometheus measurements complete at once`); // prettier-ignore
    }
    return {
      ...measurement,
      startedAt: measurement.startedAt ?? start,
      finishedAt: measurement.finishedAt ?? clock(),
    };
  };

  let taken = 0;
  for (;;) {
    const now = clock();
    const terminating = isTerminating(results.values(), signal?.aborted ?? false);
    const tasks = metrics.filter((m) => isDue(m, now, terminating));
    taken += tasks.length;
    if (taken > maxMeasurements) throw new DeployError("ROLLOUTS_RUN_INVALID", `more than ${maxMeasurements} measurements: is a metric unbounded?`); // prettier-ignore
    const measured = await Promise.all(tasks.map(takeMeasurement)); // runMeasurements measures in parallel (:326-424)
    tasks.forEach((m, i) => {
      const result = results.get(m.name) ?? newMetricResult(m.name, dryRun.has(m.name));
      results.set(m.name, recordMeasurement(result, measured[i]!));
    });
    let changed = tasks.length > 0;
    if (startedAt === undefined) {
      startedAt = clock(); // :438-441 assessRunStatus stamps startedAt on the first reconcile
      changed = true;
    }
    const entries = metrics.map((m) => {
      const result = results.get(m.name);
      if (result === undefined) return { name: m.name, phase: undefined, dryRun: dryRun.has(m.name) };
      const phase = assessMetric(m, result, terminating); // :470-488
      if (phase !== result.phase) {
        results.set(m.name, { ...result, phase, message: result.measurements.at(-1)?.message }); // :483-487
        changed = true;
      }
      const reason = isCompleted(phase) ? metricFailure(m, result)?.message : undefined;
      return { name: m.name, phase, dryRun: dryRun.has(m.name), reason, message: result.measurements.at(-1)?.message }; // prettier-ignore
    });
    const run = assessRunDetailed(entries, terminating);
    if (isCompleted(run.phase)) {
      return report(run.phase, run.message || (signal?.aborted ? "Run Terminated" : ""));
    }
    if (changed) continue; // the status update re-enqueues the run at once
    const next = nextReconcile(now);
    if (next === undefined) throw new DeployError("ROLLOUTS_RUN_INVALID", "no metric will ever fall due: the run would wait forever"); // prettier-ignore
    // enqueueAnalysisAfter (:130-138); a reconcile at exactly the due time finds nothing strictly after it and requeues
    await sleepUnlessAborted(sleep, Math.max(next - clock(), 1), signal);
  }
}

/** Sleep, waking early when the run is terminated (the update re-enqueues the run). */
async function sleepUnlessAborted(
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (signal === undefined) return sleep(ms);
  if (signal.aborted) return;
  let onAbort = () => {};
  const abort = new Promise<void>((resolve) => {
    onAbort = resolve;
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    await Promise.race([sleep(ms, signal), abort]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** Go regexp.MatchString: unanchored; a pattern that does not compile matches nothing. */
function safeMatch(pattern: string, name: string): boolean {
  try {
    return new RegExp(pattern, "u").test(name);
  } catch {
    return false;
  }
}
