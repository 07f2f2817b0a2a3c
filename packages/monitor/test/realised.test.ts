import { describe, expect, it } from "vitest";
import {
  monitorHtml,
  monitorMarkdown,
  realisedReport,
  type MonitorResult,
  type RealisedSpec,
} from "../src/index.js";

// the mean absolute error of "value" against the truth
const mae: RealisedSpec = {
  metric: "mae",
  goal: "minimize",
  score: (rows) =>
    rows.length
      ? rows.reduce((s, r) => s + Math.abs((r.answer.value as number) - (r.truth as number)), 0) / rows.length
      : undefined,
  period: (time) => time.slice(0, 7),
};
const row = (time: string, value: number, truth?: number) => ({ time, answer: { value }, truth });
const rows = [
  ...Array.from({ length: 10 }, (_, i) => row(`2026-02-${String(i + 1).padStart(2, "0")}`, 10, 11)),
  ...Array.from({ length: 10 }, (_, i) => row(`2026-01-${String(i + 1).padStart(2, "0")}`, 10, 13)),
  row("2026-03-01", 10),
];

describe("the realised metric", () => {
  it("scores rows whose truth arrived, overall and by period oldest first", () => {
    const report = realisedReport(mae, rows, 1.5);
    expect(report).toMatchObject({
      metric: "mae",
      value: 2,
      rows: 20,
      pinned: 1.5,
      tolerance: 0.25,
      degraded: true,
    });
    expect(report.periods).toEqual([
      { period: "2026-01", value: 3, rows: 10 },
      { period: "2026-02", value: 1, rows: 10 },
    ]);
  });

  it("is within tolerance, or without a verdict when too few rows carry truth or the card has no value", () => {
    expect(realisedReport(mae, rows, 1.5, { tolerance: 0.5 }).degraded).toBe(false);
    const few = realisedReport(mae, rows.slice(0, 5), 0.1);
    expect(few.value).toBeUndefined();
    expect(few.degraded).toBe(false);
    expect(realisedReport(mae, rows, undefined).degraded).toBe(false);
    const higher: RealisedSpec = { ...mae, goal: "maximize" };
    expect(realisedReport(higher, rows, 3).degraded).toBe(true);
    expect(realisedReport(higher, rows, 2.5).degraded).toBe(false);
  });

  it("drops a score that is not finite", () => {
    const broken: RealisedSpec = { ...mae, score: () => Number.NaN };
    const report = realisedReport(broken, rows, 1);
    expect(report.value).toBeUndefined();
    expect(report.periods).toEqual([]);
  });

  it("reports it in Markdown and as an escaped line chart in HTML", () => {
    const realised = realisedReport({ ...mae, metric: "<mae>" }, rows, 1.5);
    const result: MonitorResult = {
      model: "m",
      version: "1",
      sha256: "a".repeat(64),
      window: { records: 21, cached: 0, skipped: { invalid: 0, otherModel: 0, otherArtifact: 0, older: 0 } },
      features: [],
      predictions: [],
      driftShare: 0,
      driftShareThreshold: 0.5,
      latencyMs: { p50: 1, p99: 2 },
      status: "degraded",
      source: "data",
      untested: [],
      realised,
    };
    expect(monitorMarkdown(result)).toContain("| 2026-01 | 3 | 10 |");
    expect(monitorMarkdown(result)).toContain("**degraded**: 2 is above 1.875");
    const html = monitorHtml(result);
    expect(html).toContain("&lt;mae&gt; by period");
    expect(html).not.toContain("<mae>");
    expect(html.match(/<circle /g)).toHaveLength(2);
  });
});
