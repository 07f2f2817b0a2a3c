import { describe, expect, it } from "vitest";
import { sparkline, trendSection, trendSvg, type RunSummary } from "../src/index.js";

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

  it("draws the metric over the runs, oldest first: the pinned run a star, losers hollow", () => {
    const svg = trendSvg(runs, options)!;
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg.match(/<polygon /g)).toHaveLength(1); // the pinned run
    expect(svg.match(/<circle /g)).toHaveLength(2); // the loser and the candidate; the run without the metric is left out
    expect(svg).toContain('fill="#ffffff" stroke="#1f77b4"'); // the loser, hollow
    expect(svg.indexOf("T010000000Z")).toBeLessThan(svg.indexOf("T030000000Z"));
    expect(svg).toContain("did not pass its gate");
    expect(trendSvg([run(1, undefined, true)], options)).toBeUndefined();
  });

  it("escapes what it writes into the SVG and says it as text too", () => {
    const svg = trendSvg(runs, { ...options, metric: "mape_h12" })!;
    expect(svg).not.toMatch(/<script/);
    const section = trendSection("co2-forecast", runs, options)!;
    expect(section).toMatch(/^### Recent runs/);
    expect(section).toMatch(/`mape_h12` of co2-forecast's last 3 runs, oldest to newest \(lower is better\)/);
    expect(section).toMatch(
      /<img alt="mape_h12 of co2-forecast's last 3 runs" src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+">/,
    );
    expect(section).toContain(`\`${sparkline([0.11, 0.12, 0.1])}\` 0.11 → 0.1 (range 0.1–0.12)`);
    expect(section).toContain("this candidate is run `20261207T040000000Z-abcdef`");
    const decoded = Buffer.from(/base64,([^"]+)"/.exec(section)![1]!, "base64").toString();
    expect(decoded).toBe(svg);
    expect(sparkline([1, 2, 3])).toBe("▁▅█");
    expect(sparkline([2, 2])).toBe("▄▄");
  });
});
