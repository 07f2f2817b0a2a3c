import { describe, expect, it } from "vitest";
import {
  DeployError,
  prometheusMeasurement,
  runAnalysis,
  substituteArgs,
  type AnalysisPhase,
  type Measurement,
  type Metric,
  type RunAnalysisOptions,
} from "../../src/index.js";

/** A fake clock: sleep advances it. Measurements take `measureMs`. */
function fakeClock(start = 0, measureMs = 0) {
  let t = start;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
    measuring: async () => {
      t += measureMs;
    },
  };
}

/** Run with a fake clock; measurement i of a metric answers phases[name][i] (the last one repeats). */
async function run(
  metrics: Metric[],
  phases: Record<string, AnalysisPhase[]>,
  options: Partial<RunAnalysisOptions<Metric>> & { start?: number; measureMs?: number } = {},
) {
  const clock = fakeClock(options.start, options.measureMs);
  const seen = new Map<string, number>();
  return runAnalysis({
    now: clock.now,
    sleep: clock.sleep,
    ...options,
    metrics,
    measure: async (metric): Promise<Measurement> => {
      const i = seen.get(metric.name) ?? 0;
      seen.set(metric.name, i + 1);
      await clock.measuring();
      const list = phases[metric.name]!;
      return { phase: list[Math.min(i, list.length - 1)]!, value: String(i) };
    },
  });
}

const startTimes = (report: Awaited<ReturnType<typeof runAnalysis>>, i = 0) =>
  report.metrics[i]!.measurements.map((m) => m.startedAt);

describe("runAnalysis: measurement scheduling (analysis.go:176-250, 650-718)", () => {
  it("measures at once, then each interval after the last finished (strictly after, analysis.go:243)", async () => {
    const report = await run([{ name: "m", interval: "1s", count: 3 }], { m: ["Successful"] });
    expect(report.phase).toBe("Successful");
    // finishedAt is stored in whole seconds (metav1.Time): due = floor(finishedAt) + interval, taken just after
    expect(startTimes(report)).toEqual([0, 1001, 2001]);
    const exact = await run([{ name: "m", interval: "1s", count: 3 }], { m: ["Successful"] }, { timestampResolutionMs: 1 }); // prettier-ignore
    expect(startTimes(exact)).toEqual([0, 1001, 2002]);
  });

  it("counts the interval from the end of the previous measurement", async () => {
    const report = await run([{ name: "m", interval: "2s", count: 3 }], { m: ["Successful"] }, { measureMs: 300, timestampResolutionMs: 1 }); // prettier-ignore
    expect(startTimes(report)).toEqual([0, 2301, 4602]);
  });

  it("waits initialDelay after the run started before the first measurement", async () => {
    const report = await run([{ name: "m", initialDelay: "5s", interval: "1s", count: 2 }], {
      m: ["Successful"],
    });
    expect(report.startedAt).toBe(0);
    expect(startTimes(report)).toEqual([5000, 6001]);
    // the run's startedAt is stored in whole seconds too: started at 1.5 s, first measurement at 1 s + 5 s
    const late = await run([{ name: "m", initialDelay: "5s" }], { m: ["Successful"] }, { start: 1500 });
    expect(startTimes(late)).toEqual([6000]);
    const exact = await run([{ name: "m", initialDelay: "5s" }], { m: ["Successful"] }, { start: 1500, timestampResolutionMs: 1 }); // prettier-ignore
    expect(startTimes(exact)).toEqual([6500]);
  });

  it("stops early when failureLimit is exceeded: Failed after the second failure of five", async () => {
    const report = await run([{ name: "m", interval: "1s", count: 5, failureLimit: 1 }], { m: ["Failed"] });
    expect(report.phase).toBe("Failed");
    expect(report.message).toBe('Metric "m" assessed Failed due to failed (2) > failureLimit (1)');
    expect(report.metrics[0]).toMatchObject({ phase: "Failed", count: 2, failed: 2 });
  });

  it("count 5 with inconclusiveLimit 5: five Inconclusive measurements end Successful; limit 1 stops at the second", async () => {
    const lenient = await run([{ name: "m", interval: "1s", count: 5, inconclusiveLimit: 5 }], {
      m: ["Inconclusive"],
    });
    expect([lenient.phase, lenient.metrics[0]!.measurements.length]).toEqual(["Successful", 5]);
    const strict = await run([{ name: "m", interval: "1s", count: 5, inconclusiveLimit: 1 }], {
      m: ["Inconclusive"],
    });
    expect([strict.phase, strict.metrics[0]!.measurements.length]).toEqual(["Inconclusive", 2]);
  });

  it("retries an Error after 10 s whatever the interval, and errors after five in a row", async () => {
    const report = await run([{ name: "m", interval: "1s", count: 3 }], { m: ["Error"] });
    expect(report.phase).toBe("Error");
    expect(startTimes(report)).toEqual([0, 10001, 20001, 30001, 40001]);
    expect(report.metrics[0]).toMatchObject({ count: 0, error: 5, consecutiveError: 5 });
  });

  it("a failed metric ends the run: the others take no more measurements and end Successful", async () => {
    const report = await run(
      [
        { name: "slow", interval: "10s", count: 3 },
        { name: "fast", interval: "1s", count: 5 },
      ],
      { slow: ["Successful"], fast: ["Successful", "Failed"] },
    );
    expect(report.phase).toBe("Failed");
    expect(report.metrics.map((m) => [m.name, m.phase, m.measurements.length])).toEqual([
      ["slow", "Successful", 1],
      ["fast", "Failed", 2],
    ]);
  });

  it("treats a throwing measure as an Error measurement, as Argo treats a failed query", async () => {
    const clock = fakeClock();
    const report = await runAnalysis({
      ...clock,
      metrics: [{ name: "m", consecutiveErrorLimit: 0 }],
      measure: () => Promise.reject(new Error("connection refused")),
    });
    expect(report).toMatchObject({ phase: "Error" });
    expect(report.metrics[0]!.measurements).toEqual([
      { phase: "Error", value: "", message: "connection refused", startedAt: 0, finishedAt: 0 },
    ]);
  });

  it("refuses to judge when a condition is outside the ported subset", async () => {
    const clock = fakeClock();
    const metric = { name: "m", successCondition: "all(result, {# < 1})" };
    const run = runAnalysis({ ...clock, metrics: [metric], measure: (m) => prometheusMeasurement(m, { status: "success", data: { resultType: "vector", result: [] } }) }); // prettier-ignore
    await expect(run).rejects.toThrow(DeployError);
  });

  it("ends an unbounded metric Successful when terminated (analysis.go:611-614)", async () => {
    const controller = new AbortController();
    const clock = fakeClock();
    let n = 0;
    const report = await runAnalysis({
      ...clock,
      signal: controller.signal,
      metrics: [{ name: "m", interval: "1s" }],
      measure: () => {
        if (++n === 3) controller.abort();
        return { phase: "Successful", value: "1" };
      },
    });
    expect([report.phase, report.message, n]).toEqual(["Successful", "Run Terminated", 3]);
  });

  it("a dry-run metric's failure does not fail the run", async () => {
    const report = await run(
      [{ name: "shadow" }, { name: "real" }],
      { shadow: ["Failed"], real: ["Successful"] },
      { dryRun: [{ metricName: "^shad" }] },
    );
    expect(report.phase).toBe("Successful");
    expect(report.metrics.map((m) => [m.phase, m.dryRun])).toEqual([
      ["Failed", true],
      ["Successful", false],
    ]);
  });

  it("ends in Error before measuring for an invalid spec or unresolved arguments (analysis.go:59-97)", async () => {
    const invalid = await run([{ name: "m", count: 2 }], { m: ["Successful"] });
    expect([invalid.phase, invalid.message]).toEqual([
      "Error",
      "Analysis spec invalid: metric m: interval must be specified when count > 1",
    ]);
    const unresolved = await run([{ name: "m", successCondition: "result < {{args.max}}" }], {
      m: ["Successful"],
    });
    expect([unresolved.phase, unresolved.message]).toEqual([
      "Error",
      "Unable to resolve metric arguments: failed to resolve {{args.max}}",
    ]);
    expect(unresolved.metrics[0]!.measurements).toEqual([]);
  });

  it("hands measure the metric with its arguments resolved", async () => {
    const clock = fakeClock();
    const seen: string[] = [];
    await runAnalysis({
      ...clock,
      args: { max: "0.05", namespace: "staging" },
      metrics: [{ name: "m", successCondition: "result[0] <= {{ args.max }}", query: 'up{namespace="{{args.namespace}}"}' }], // prettier-ignore
      measure: (m) => {
        seen.push(m.successCondition!, m.query);
        return { phase: "Successful" };
      },
    });
    expect(seen).toEqual(["result[0] <= 0.05", 'up{namespace="staging"}']);
  });

  it("runs on real timers", async () => {
    const started = Date.now();
    const report = await runAnalysis({
      metrics: [{ name: "m", interval: "50ms", count: 3 }],
      timestampResolutionMs: 1,
      measure: () => ({ phase: "Successful", value: "1" }),
    });
    expect(report.phase).toBe("Successful");
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });
});

describe("substituteArgs: {{args.NAME}} as Argo resolves it (template.go:52-100)", () => {
  it("substitutes trimmed tags and refuses unknown, unsupplied and unclosed ones", () => {
    expect(substituteArgs('rate{hash="{{args.canary-hash}}",ns="{{ args.ns }}"}', { "canary-hash": "abc", ns: "x" })).toBe('rate{hash="abc",ns="x"}'); // prettier-ignore
    expect(() => substituteArgs("{{args.nope}}", {})).toThrow("failed to resolve {{args.nope}}");
    expect(() => substituteArgs("{{ workflow.name }}", {})).toThrow("failed to resolve {{ workflow.name }}");
    expect(() => substituteArgs("x", { a: undefined })).toThrow('argument "a" was not supplied');
    expect(() => substituteArgs("{{args.a", { a: "1" })).toThrow(/Cannot find end tag="}}"/);
    expect(substituteArgs("no tags", {})).toBe("no tags");
  });
});
