import { describe, expect, it } from "vitest";
import { applyGate, applyPinGate } from "@lockstep/lockfile";
import {
  compactJson,
  formatNumber,
  higherIsBetter,
  MAX_BODY_CHARS,
  proposalMarker,
  renderPullRequest,
  type ProposalInput,
} from "../src/index.js";
import { candidate, currentPin } from "./fixture.js";

const input = (overrides: Partial<ProposalInput> = {}): ProposalInput => ({
  candidate,
  current: currentPin,
  verdict: applyGate(candidate.gate, candidate.pin.metrics, currentPin.metrics),
  runUrl: "https://github.com/acme/models/actions/runs/42",
  report: "# co2-forecast\n\nBacktest RMSE per origin: 0.51, 0.58, 0.55.",
  ...overrides,
});

describe("renderPullRequest", () => {
  it("renders the body a reviewer sees", () => {
    const draft = renderPullRequest(input());
    expect(draft.branch).toBe("lockstep/co2-forecast/production");
    expect(draft.labels).toEqual(["model-bump", "co2-forecast"]);
    expect(draft.title).toBe("co2-forecast (production): v2 → v3, rmse 0.62 → 0.55");
    expect(draft.body).toMatchSnapshot();
  });

  it("shows the recent runs' trend before the candidate, when there is one", () => {
    const trend = "### Recent runs\n\n`rmse` of co2-forecast's last 3 runs";
    const { body } = renderPullRequest(input({ trend }));
    expect(body).toContain(trend);
    expect(body.indexOf("### Recent runs")).toBeLessThan(body.indexOf("### Candidate"));
    expect(body.indexOf("### Metrics")).toBeLessThan(body.indexOf("### Recent runs"));
    expect(renderPullRequest(input()).body).not.toContain("Recent runs");
  });

  it("judges every metric by its direction: the gate's goal, else the metric's name", () => {
    const { body } = renderPullRequest(input());
    expect(body).toMatch(/\| \*\*rmse\*\* \(gate\) \| 0\.62 \| 0\.55 \| −0\.07 \(−11\.29%\) \| ✅ better \|/);
    expect(body).toMatch(/\| mae \| 0\.48 \| 0\.5 \| \+0\.02 \(\+4\.167%\) \| ⚠️ worse \|/);
    expect(body).toMatch(/\| coverage_90 \| 0\.87 \| 0\.9 \| \+0\.03 \(\+3\.448%\) \| {2}\|/); // no direction known
    expect(higherIsBetter("auc_ovr_weighted")).toBe(true);
    expect(higherIsBetter("log_loss")).toBe(false);
    expect(higherIsBetter("coverage_90")).toBeUndefined();
  });

  it("says so for a first pin and for a losing candidate", () => {
    const first = renderPullRequest(
      input({ current: undefined, verdict: applyGate(candidate.gate, candidate.pin.metrics) }),
    );
    expect(first.title).toBe("co2-forecast (production): first pin, v3, rmse 0.55");
    expect(first.body).toContain("| metric | current | candidate | Δ | |");
    expect(first.body).toContain("no current pin: the first candidate wins");
    const worse = { ...candidate.pin.metrics, rmse: 0.7 };
    const losing = renderPullRequest(
      input({ verdict: applyGate(candidate.gate, worse, currentPin.metrics) }),
    );
    expect(losing.body).toContain("❌ **The gate does not pass.**");
  });

  it("shows the paired gate's folds: each fold's values, the gain and its standard error", () => {
    const gate = { ...candidate.gate, minStandardErrors: 2 };
    const folds = (rmse: number[]) => ({ folds: { rmse } });
    const current = { ...currentPin, evaluation: { ...currentPin.evaluation, ...folds([0.6, 0.7, 0.56]) } };
    const pin = {
      ...candidate.pin,
      evaluation: { ...candidate.pin.evaluation, ...folds([0.5, 0.66, 0.49]) },
    };
    const paired = { ...candidate, gate, pin };
    const { body } = renderPullRequest(
      input({ candidate: paired, current, verdict: applyPinGate(gate, pin, current) }),
    );
    expect(body).toContain("### Per fold");
    expect(body).toMatch(/\| 1 \| 0\.6 \| 0\.5 \| \+0\.1 \|/);
    expect(body).toMatch(/\| 2 \| 0\.7 \| 0\.66 \| \+0\.04 \|/);
    expect(body).toMatch(/\| mean \| \| \| \+0\.07 \(standard error 0\.01732\) \|/);
    expect(body).toContain("and its mean gain over the folds beyond 2 standard errors.");
    expect(body).toContain("✅ **The gate passes.**");
    // the same candidate against a pin with no folds: said, not hidden
    const unpaired = renderPullRequest(
      input({ candidate: paired, verdict: applyPinGate(gate, pin, currentPin) }),
    ).body;
    expect(unpaired).toContain("Per-fold comparison: not paired (the pin records no per-fold rmse).");
    expect(unpaired).not.toContain("### Per fold");
  });

  it("opens with the headline lines training wrote, each metric beside its baselines", () => {
    const headline = ["MAPE 12 months ahead 0.100% vs seasonal naive with drift 0.133%", "a | b"];
    const { body } = renderPullRequest(input({ candidate: { ...candidate, headline } }));
    expect(body).toContain(
      "### At a glance\n\n- MAPE 12 months ahead 0.100% vs seasonal naive with drift 0.133%\n- a \\| b\n\n### Metrics",
    );
    expect(renderPullRequest(input()).body).not.toContain("At a glance");
  });

  it("warns when the two pins were evaluated on different data", () => {
    const moved = { ...currentPin, evaluation: { ...currentPin.evaluation, datasetSha256: "f".repeat(64) } };
    expect(renderPullRequest(input({ current: moved })).body).toMatch(/evaluated on different data/);
  });

  it("keeps hostile text from breaking the Markdown", () => {
    const hostile = {
      ...candidate,
      params: { note: "```\n# injected heading\n```" },
      data: { ...candidate.data, source: "a|b\n## injected" },
    };
    const { body } = renderPullRequest(input({ candidate: hostile }));
    expect(body).toContain("````json"); // the fence is longer than any backtick run inside
    expect(body).toContain("a\\|b ## injected"); // pipes escaped, newlines folded inside the cell
    expect(body.split("\n")).not.toContain("## injected");
  });

  it("stays under GitHub's body limit by cutting the report, and starts with the marker", () => {
    const { body } = renderPullRequest(input({ report: "x".repeat(200_000) }));
    expect(body.length).toBeLessThanOrEqual(MAX_BODY_CHARS);
    expect(body).toContain("the report is cut here");
    expect(body.startsWith(proposalMarker("co2-forecast", "production"))).toBe(true);
  });

  it("keeps arrays of plain values on one line in the params", () => {
    expect(compactJson({ windows: [60, 120], names: ["a", "b"], nested: [{ a: 1 }], empty: [] })).toBe(
      '{\n  "windows": [60, 120],\n  "names": ["a", "b"],\n  "nested": [\n    {\n      "a": 1\n    }\n  ],\n  "empty": []\n}',
    );
    expect(JSON.parse(compactJson({ windows: [60, 120], s: "[x,\n y]" }))).toEqual({
      windows: [60, 120],
      s: "[x,\n y]",
    });
  });

  it("formats numbers for people", () => {
    expect([0.123456, 12, 1e-7, 2.5e9, Number.NaN, undefined, -0.5].map(formatNumber)).toEqual([
      "0.1235",
      "12",
      "1.000e-7",
      "2500000000",
      "—",
      "—",
      "-0.5",
    ]);
  });
});
