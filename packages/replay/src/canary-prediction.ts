import type { CanaryAnalysis } from "@lockstep/deploy";
import type { AnswerObserver } from "@lockstep/models";
import {
  classShareTest,
  classShareVerdict,
  valueShiftInterval,
  valueShiftVerdict,
  type CanaryVerdict,
  type ClassShareTest,
  type HistogramWindow,
  type ValueShiftInterval,
} from "@lockstep/monitor";
import type { ClassComparison, ReplayPair, ValueComparison } from "./compare.js";
import { classShareShift, quantile, valueShift } from "./replay-stats.js";

/** Significance of the class-share test (the canary judge's default). */
export const CLASS_SHARE_ALPHA = 0.05;
/** Confidence of the value-shift interval (the canary judge's default). */
export const VALUE_SHIFT_LEVEL = 0.99;

/** One statistic the canary analysis computes, as replay predicts it for the candidate against the pin. */
export interface PredictedMeasurement {
  /** The AnalysisTemplate metric it stands for (packages/deploy queries.ts), or the judge's test. */
  name: string;
  what: string;
  value: number;
  /** The measurement passes at most at this value. */
  threshold: number;
  verdict: CanaryVerdict;
  /** The sample-size-aware test where there is one: p-value or interval. */
  test?: { pValue: number; statistic: number; df: number } | { low: number; high: number; level: number };
}

export interface CanaryPrediction {
  verdict: CanaryVerdict;
  measurements: PredictedMeasurement[];
  /** What a replay cannot tell about a canary (in-process latency, the same requests on both sides). */
  caveats: string[];
}

const worst = (verdicts: CanaryVerdict[]): CanaryVerdict =>
  verdicts.includes("fail") ? "fail" : verdicts.includes("inconclusive") ? "inconclusive" : "pass";

/** A side's values as the Prometheus histogram of the spec's observed metric would hold them. */
export function histogramOf(
  values: readonly number[],
  buckets: readonly number[],
  requests: number,
): HistogramWindow {
  const bounds = [...buckets, Number.POSITIVE_INFINITY];
  const counts = bounds.map((le) => values.filter((v) => v <= le).length);
  return {
    buckets: bounds.map((le, i) => [le, counts[i]!] as const),
    sum: values.reduce((a, b) => a + b, 0),
    count: values.length,
    requests,
  };
}

/**
 * The canary's measurements for the candidate (canary) against the pin (stable), over the sample:
 * error ratio and p99 latency of the candidate, the class-share shift (classifiers) or the value
 * shift (forecasts) by today's threshold and by the sample-size-aware tests of the canary judge.
 */
export function predictCanary(
  pairs: ReplayPair[],
  comparison: ClassComparison | ValueComparison | undefined,
  observe: AnswerObserver | undefined,
  analysis: CanaryAnalysis,
): CanaryPrediction {
  const measurements: PredictedMeasurement[] = [];
  const asked = pairs.filter((p) => p.pin).length;
  const refused = pairs.filter((p) => p.pin && !p.candidate).length;
  const errorRatio = asked ? refused / asked : 0;
  measurements.push({
    name: "error-ratio",
    what: "share of the requests the pin answered that the candidate refused",
    value: errorRatio,
    threshold: analysis.errorRatio,
    verdict:
      asked < analysis.minRequests ? "inconclusive" : errorRatio <= analysis.errorRatio ? "pass" : "fail",
  });
  const latencies = pairs
    .flatMap((p) => (p.candidate ? [p.candidate.latencyMs / 1000] : []))
    .sort((a, b) => a - b);
  const p99 = quantile(latencies, 0.99);
  measurements.push({
    name: "p99-latency",
    what: "the candidate's p99 latency in seconds, in process (no HTTP, no queue)",
    value: p99,
    threshold: analysis.p99Seconds,
    verdict:
      latencies.length < analysis.minRequests ? "inconclusive" : p99 <= analysis.p99Seconds ? "pass" : "fail",
  });
  if (comparison?.kind === "classes") {
    const test: ClassShareTest = classShareTest(comparison.counts.candidate, comparison.counts.pin);
    measurements.push({
      name: "class-share-shift",
      what: "total-variation distance between the candidate's and the pin's class shares, with the chi-square test",
      value: classShareShift(comparison.counts.candidate, comparison.counts.pin),
      threshold: analysis.classShareShift,
      verdict: classShareVerdict(test, {
        alpha: CLASS_SHARE_ALPHA,
        maxShift: analysis.classShareShift,
        minCount: analysis.minRequests,
      }),
      test: { pValue: test.pValue, statistic: test.statistic, df: test.df },
    });
  }
  if (comparison?.kind === "values" && observe?.values) {
    const { buckets } = observe.values;
    const n = comparison.compared;
    const interval: ValueShiftInterval = valueShiftInterval(
      histogramOf(comparison.values.candidate, buckets, n),
      histogramOf(comparison.values.pin, buckets, n),
      VALUE_SHIFT_LEVEL,
    );
    measurements.push({
      name: "value-shift",
      what: `relative shift of the candidate's mean ${comparison.metric} from the pin's, with its interval`,
      value: valueShift(comparison.values.candidate, comparison.values.pin),
      threshold: analysis.valueShift,
      verdict: valueShiftVerdict(interval, { maxShift: analysis.valueShift, minCount: analysis.minRequests }),
      test: { low: interval.low, high: interval.high, level: interval.level },
    });
  }
  return {
    verdict: worst(measurements.map((m) => m.verdict)),
    measurements,
    caveats: [
      "latency is onnxruntime and the spec's code in one process, without HTTP, batching or queueing",
      "both sides answer the same requests; in a canary they answer different ones, so the tests there are noisier",
    ],
  };
}
