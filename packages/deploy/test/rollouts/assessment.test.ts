import { describe, expect, it } from "vitest";
import {
  assessMetric,
  assessRun,
  DeployError,
  effectiveCount,
  metricFailure,
  newMetricResult,
  recordMeasurement,
  rolloutAction,
  validateMetric,
  type AnalysisPhase,
  type Metric,
  type MetricResult,
} from "../../src/index.js";

/** A result after these measurement phases, in order. */
function after(...phases: AnalysisPhase[]): MetricResult {
  return phases.reduce(
    (r, phase, i) => recordMeasurement(r, { phase, startedAt: i, finishedAt: i }),
    newMetricResult("m"),
  );
}

/** The metric's phase after each measurement, as the controller assesses it each reconcile. */
function trajectory(metric: Metric, phases: AnalysisPhase[]): AnalysisPhase[] {
  let result = newMetricResult(metric.name);
  return phases.map((phase) => {
    result = recordMeasurement(result, { phase, finishedAt: 0 });
    result = { ...result, phase: assessMetric(metric, result, false) };
    return result.phase;
  });
}

const I = "Inconclusive" as const;
const F = "Failed" as const;
const S = "Successful" as const;
const E = "Error" as const;

describe("recordMeasurement: Argo's counters (analysis.go:385-402)", () => {
  it("counts Successful, Failed and Inconclusive, resetting consecutive errors; Error counts apart", () => {
    const r = after(S, E, E, F, I, E);
    expect(r).toMatchObject({
      count: 3,
      successful: 1,
      failed: 1,
      inconclusive: 1,
      error: 3,
      consecutiveError: 1,
    });
    expect(r.measurements).toHaveLength(6);
  });
});

describe("assessMetric: the decisive cases", () => {
  it("count 5, inconclusiveLimit 5, five Inconclusive measurements → Successful (5 is not > 5, and count is reached)", () => {
    // analysis.go:635 trips only on inconclusive > limit; :605-609 then declares the count reached Successful
    const metric = { name: "m", interval: "1s", count: 5, inconclusiveLimit: 5 };
    expect(trajectory(metric, [I, I, I, I, I])).toEqual(["Running", "Running", "Running", "Running", S]);
  });

  it("inconclusiveLimit 0 (the default) → Inconclusive after the first Inconclusive; 1 → after the second", () => {
    expect(trajectory({ name: "m", interval: "1s", count: 5 }, [I])).toEqual([I]);
    expect(trajectory({ name: "m", interval: "1s", count: 5, inconclusiveLimit: 1 }, [I, S, I])).toEqual([
      "Running",
      "Running",
      I,
    ]);
  });

  it("failureLimit 1 → Failed after the second failure; the default 0 → after the first", () => {
    expect(trajectory({ name: "m", interval: "1s", count: 5, failureLimit: 1 }, [F, S, F])).toEqual(["Running", "Running", F]); // prettier-ignore
    expect(trajectory({ name: "m", interval: "1s", count: 5 }, [S, F])).toEqual(["Running", F]);
  });

  it("consecutiveErrorLimit 4 by default → Error at the fifth error in a row; a success in between resets it", () => {
    const metric = { name: "m", interval: "1s", count: 5 };
    expect(trajectory(metric, [E, E, E, E, E])).toEqual(["Running", "Running", "Running", "Running", E]);
    expect(trajectory(metric, [E, E, E, E, S, E, E, E, E]).at(-1)).toBe("Running");
    expect(trajectory({ ...metric, consecutiveErrorLimit: 0 }, [E])).toEqual([E]);
  });

  it("without count or interval one measurement decides (EffectiveCount 1, analysis_types.go:151-165)", () => {
    expect(trajectory({ name: "m" }, [S])).toEqual([S]);
    expect(trajectory({ name: "m" }, [F])).toEqual([F]);
    expect(trajectory({ name: "m", failureLimit: 1 }, [F])).toEqual([S]); // count reached, failures within the limit
    expect(trajectory({ name: "m", interval: "1s" }, [S, S, S])).toEqual(["Running", "Running", "Running"]); // unbounded
  });

  it("mirrors TestAssessMetricStatusNoMeasurements and TestAssessMetricStatusInFlightMeasurement (analysis_test.go:537-571)", () => {
    expect(assessMetric({ name: "m" }, newMetricResult("m"), false)).toBe("Pending");
    expect(assessMetric({ name: "m" }, newMetricResult("m"), true)).toBe(S);
    const inFlight = recordMeasurement(after(S), { phase: "Running" });
    expect(assessMetric({ name: "m" }, inFlight, false)).toBe("Running");
    expect(assessMetric({ name: "m" }, inFlight, true)).toBe("Running");
  });

  it("mirrors TestAssessMetricStatusFailureLimit and TestAssessMetricStatusInconclusiveLimit (analysis_test.go:572-620)", () => {
    const failed = after(F, F, F);
    expect(assessMetric({ name: "m", interval: "60s", failureLimit: 2 }, failed, false)).toBe(F);
    expect(assessMetric({ name: "m", interval: "60s", failureLimit: 2 }, failed, true)).toBe(F);
    expect(assessMetric({ name: "m", interval: "60s", failureLimit: 3 }, failed, false)).toBe("Running");
    expect(assessMetric({ name: "m", interval: "60s", failureLimit: 3 }, failed, true)).toBe(S);
    const inconclusive = after(I, I, I);
    expect(assessMetric({ name: "m", interval: "60s", inconclusiveLimit: 2 }, inconclusive, false)).toBe(I);
    expect(assessMetric({ name: "m", interval: "60s", inconclusiveLimit: 3 }, inconclusive, false)).toBe(
      "Running",
    );
    expect(assessMetric({ name: "m", interval: "60s", inconclusiveLimit: 3 }, inconclusive, true)).toBe(S);
  });

  it("mirrors TestAssessMetricStatusConsecutiveErrors and TestAssessMetricStatusCountReached (analysis_test.go:622-663)", () => {
    const errors = { ...after(E), consecutiveError: 5, count: 5 };
    expect(assessMetric({ name: "m", interval: "60s" }, errors, false)).toBe(E);
    expect(assessMetric({ name: "m", interval: "60s" }, { ...errors, consecutiveError: 4 }, true)).toBe(S);
    expect(assessMetric({ name: "m", interval: "60s" }, { ...errors, consecutiveError: 4 }, false)).toBe(
      "Running",
    );
    const ten = { ...after(S), count: 10, successful: 10 };
    expect(assessMetric({ name: "m", count: 10 }, ten, false)).toBe(S);
    expect(assessMetric({ name: "m", count: 10 }, { ...ten, successful: 5, inconclusive: 5 }, false)).toBe(I);
  });

  it("when several limits trip, Error wins over Inconclusive over Failed (analysis.go:618-646)", () => {
    const all = { ...after(F, I), consecutiveError: 5 };
    expect(metricFailure({ name: "m" }, all)).toEqual({
      phase: E,
      message: "consecutiveErrors (5) > consecutiveErrorLimit (4)",
    });
    expect(metricFailure({ name: "m" }, after(F, I))).toEqual({
      phase: I,
      message: "inconclusive (1) > inconclusiveLimit (0)",
    });
    expect(metricFailure({ name: "m", failureLimit: 1 }, after(F))).toBeUndefined();
  });

  it("a completed metric keeps its phase (analysis.go:576-578)", () => {
    expect(assessMetric({ name: "m", count: 5, interval: "1s" }, { ...after(F), phase: S }, false)).toBe(S);
  });

  it("reads counts given as strings like Kubernetes IntOrString", () => {
    expect(effectiveCount({ name: "m", count: "5", interval: "1s" })).toBe(5);
    expect(effectiveCount({ name: "m", count: "five", interval: "1s" })).toBeUndefined();
    expect(effectiveCount({ name: "m", count: 0 })).toBe(1);
  });
});

describe("assessRun: the run's phase (analysis.go:432-569)", () => {
  it("mirrors TestAssessRunStatus (analysis_test.go:427-482): Running while one runs; else the worst", () => {
    expect(assessRun([S, "Running"])).toBe("Running");
    expect(assessRun([S, F])).toBe(F);
  });

  it("orders Failed over Error over Inconclusive over Successful (helpers.go:46-70)", () => {
    expect(assessRun([I, E, S])).toBe(E);
    expect(assessRun([I, F, E])).toBe(F);
    expect(assessRun([S, I])).toBe(I);
    expect(assessRun([S, S])).toBe(S);
  });

  it("a metric without a result (in its initialDelay) keeps the run Running unless terminating", () => {
    expect(assessRun([S, undefined])).toBe("Running");
    expect(assessRun([F, undefined], { terminating: true })).toBe(F);
    expect(assessRun([undefined], { terminating: true })).toBe(S);
  });

  it("a dry-run metric never fails the run", () => {
    expect(assessRun([S, F], { dryRun: [false, true] })).toBe(S);
    expect(assessRun([F], { dryRun: [true] })).toBe(S);
  });
});

describe("rolloutAction: what a step analysis's run does to the rollout", () => {
  it("Successful continues, Failed and Error abort, Inconclusive pauses, else the step waits", () => {
    // rollout/canary.go:339-342; rollout/analysis.go:395-400
    expect(["Successful", "Failed", "Error", "Inconclusive", "Running", "Pending"].map((p) => rolloutAction(p as AnalysisPhase))).toEqual(["continue", "abort", "abort", "pause", "wait", "wait"]); // prettier-ignore
  });
});

describe("validateMetric: ValidateMetric (factory.go:149-196)", () => {
  const refusal = (metric: Metric) => {
    try {
      validateMetric(metric);
    } catch (error) {
      expect(error).toBeInstanceOf(DeployError);
      return (error as Error).message;
    }
    return "valid";
  };
  it("accepts count equal to the limits and refuses what Argo refuses", () => {
    expect(refusal({ name: "m", count: 5, interval: "30s", inconclusiveLimit: 5, failureLimit: 5 })).toBe(
      "valid",
    );
    expect(refusal({ name: "m", count: 5, interval: "30s", inconclusiveLimit: 6 })).toBe("metric m: count must be >= inconclusiveLimit"); // prettier-ignore
    expect(refusal({ name: "m", count: 2 })).toBe("metric m: interval must be specified when count > 1");
    expect(refusal({ name: "m", interval: "30" })).toBe('metric m: invalid interval string: time: missing unit in duration "30"'); // prettier-ignore
    expect(refusal({ name: "m", failureLimit: -1 })).toBe("metric m: failureLimit must be >= 0");
  });
});
