// What runAnalysis reports: the run's phase and message, and per metric its counts and measurements
// (an AnalysisRun's status, timestamps in milliseconds).
import { newMetricResult, type AnalysisPhase, type Metric, type MetricResult } from "./assessment.js";

export interface RunMeasurement {
  phase: AnalysisPhase;
  value: string;
  message?: string;
  startedAt: number;
  finishedAt: number;
}

export interface RunMetricReport {
  name: string;
  /** The metric result's phase; Pending when it never took a measurement. */
  phase: AnalysisPhase;
  dryRun: boolean;
  message?: string;
  count: number;
  successful: number;
  failed: number;
  inconclusive: number;
  error: number;
  consecutiveError: number;
  measurements: RunMeasurement[];
}

export interface AnalysisRunReport {
  phase: AnalysisPhase;
  message: string;
  startedAt?: number;
  completedAt: number;
  metrics: RunMetricReport[];
}

/** A metric's entry in the report; a metric that never measured is Pending with no measurements. */
export function metricReport(
  metric: Metric,
  result: MetricResult | undefined,
  dryRun: boolean,
): RunMetricReport {
  const r = result ?? { ...newMetricResult(metric.name, dryRun), phase: "Pending" as const };
  return {
    name: metric.name,
    phase: r.phase,
    dryRun,
    ...(r.message ? { message: r.message } : {}),
    count: r.count,
    successful: r.successful,
    failed: r.failed,
    inconclusive: r.inconclusive,
    error: r.error,
    consecutiveError: r.consecutiveError,
    measurements: r.measurements.map((m) => ({
      phase: m.phase,
      value: m.value ?? "",
      ...(m.message ? { message: m.message } : {}),
      startedAt: m.startedAt!,
      finishedAt: m.finishedAt!,
    })),
  };
}
