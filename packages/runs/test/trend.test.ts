import { describe, expect, it } from "vitest";
import { sparkline, trendChart, trendSection, type RunSummary } from "../src/index.js";

const run = (n: number, value: number | undefined, better: boolean, sha = "a"): RunSummary => ({
  id: `20261207T0${n}0000000Z-abcdef`,
  model: "co2-forecast",
  kind: "train",
  createdAt: `2026-12-07T0${n}:00:00.000Z`,
  metrics: value === undefined ? { other: 1 } : { mape_h12: value },
  gateMetric: "mape_h12",
  better,
  sha256: sha.repeat(64),
  bytes: 1,
  dataSha256: "d".repeat(64),
});

describe("the recent-runs trend", () => {
  const runs = [
    run(3, 0.12, false),
    run(1, 0.11, true, "p"),
    run(2, undefined, true),
    run(4, 0.1, true, "c"),
  ];
  const options = {
    metric: "mape_h12",
    goal: "minimize" as const,
    pinnedSha256: "p".repeat(64),
    candidateSha256: "c".repeat(64),
  };

  it("draws the metric over the runs as a chart GitHub renders, oldest first: the pinned run a star, losers hollow", () => {
    const chart = trendChart(runs, options)!;
    expect(chart.split("\n")).toEqual([
      "```mermaid",
      "xychart-beta",
      '    title "mape_h12, last 3 runs (lower is better)"',
      '    x-axis "run" ["1★", "2○", "3●"]',
      '    y-axis "mape_h12" 0.098 --> 0.122',
      "    line [0.11, 0.12, 0.1]",
      "```",
    ]);
    // the run without the metric is left out; none at all: no chart
    expect(trendChart([run(1, undefined, true)], options)).toBeUndefined();
  });

  it("writes only names and numbers into the chart, and says it as text too", () => {
    const name = 'm"]\n    line [1';
    const hostile = trendChart([{ ...run(1, undefined, true), metrics: { [name]: 1e-9 } }], {
      ...options,
      metric: name,
    })!;
    expect(hostile.split("\n")).toHaveLength(7);
    expect(hostile).toContain('    title "m    line 1, last run (lower is better)"');
    expect(hostile).toContain("    line [0.000000001]");
    const section = trendSection("co2-forecast", runs, options)!;
    expect(section).toMatch(/^### Recent runs/);
    expect(section).toMatch(/`mape_h12` of co2-forecast's last 3 runs, oldest to newest \(lower is better\)/);
    expect(section).toContain(trendChart(runs, options));
    expect(section).not.toMatch(/data:image/); // GitHub strips images from data: URIs
    expect(section).toContain(
      `\`${sparkline([0.11, 0.12, 0.1])}\` 0.11 → 0.1 (range 0.1–0.12): runs 1★ 2○ 3●`,
    );
    expect(section).toContain("this candidate is run 3, `20261207T040000000Z-abcdef`");
    expect(sparkline([1, 2, 3])).toBe("▁▅█");
    expect(sparkline([2, 2])).toBe("▄▄");
  });
});
