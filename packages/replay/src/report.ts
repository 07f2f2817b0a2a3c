import type { ReplayReport } from "./replay.js";

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : "–");
const signedPct = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? "+" : ""}${(x * 100).toFixed(2)}%` : "–");
const num = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : "–");
const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : "–");
const short = (sha: string) => `\`${sha.slice(0, 12)}\``;
const cell = (text: string) => text.replace(/[|\n\r`]/g, " ").slice(0, 80);
const VERDICT = { pass: "✅ pass", fail: "❌ fail", inconclusive: "⚠️ inconclusive" } as const;

/** The report as its JSON: every value of a forecast comparison is left out (the quantiles say it). */
export function replayJson(report: ReplayReport): unknown {
  if (report.comparison?.kind !== "values") return report;
  const { values: _values, ...comparison } = report.comparison;
  return { ...report, comparison };
}

function fields(values: Record<string, unknown>): string {
  return cell(
    Object.entries(values)
      .map(([k, v]) => `${k}=${typeof v === "number" ? num(v) : String(v)}`)
      .join(", ") || "(none)",
  );
}

/**
 * The replay as Markdown: the canary's predicted verdict first (what a reviewer reads), then the
 * agreement or the change per horizon, latency, and the requests that changed most. `heading` sets
 * the level of the first heading (3 inside a pull request body).
 */
export function replayMarkdown(report: ReplayReport, heading = 2): string {
  const h = "#".repeat(heading);
  const { sample, pin, candidate, canary, comparison } = report;
  const skipped = Object.entries(sample.skipped)
    .filter(([, n]) => n > 0)
    .map(([why, n]) => `${n} ${why}`)
    .join(", ");
  const lines = [
    `${h} Shadow replay: ${report.model} (${report.environment})`,
    "",
    `${sample.requests} sampled requests from \`${cell(sample.uri)}\`${skipped ? ` (skipped: ${skipped})` : ""}, ` +
      `answered by the pin v${pin.version ?? "?"} ${short(pin.sha256)} and the candidate ${short(candidate.sha256)}.`,
    "",
    `**Predicted canary verdict: ${VERDICT[canary.verdict]}**`,
    "",
    "| measurement | replay | threshold | test | verdict |",
    "| --- | --- | --- | --- | --- |",
    ...canary.measurements.map((m) => {
      const test =
        m.test === undefined
          ? ""
          : "pValue" in m.test
            ? `χ² ${num(m.test.statistic, 2)}, df ${m.test.df}, p = ${m.test.pValue.toPrecision(3)}`
            : `${m.test.level * 100}% interval [${signedPct(m.test.low)}, ${signedPct(m.test.high)}]`;
      return `| ${m.name} | ${num(m.value, 4)} | ${m.threshold} | ${test} | ${VERDICT[m.verdict]} |`;
    }),
    "",
  ];
  if (comparison?.kind === "classes") {
    const labels = [
      ...new Set([...Object.keys(comparison.counts.pin), ...Object.keys(comparison.counts.candidate)]),
    ].sort();
    lines.push(
      `Top-1 agreement: **${pct(comparison.agreement)}** of ${comparison.compared} requests. Flips (rows: pin, columns: candidate):`,
      "",
      `| pin \\ candidate | ${labels.map(cell).join(" | ")} |`,
      `| --- | ${labels.map(() => "---").join(" | ")} |`,
      ...labels.map(
        (a) => `| ${cell(a)} | ${labels.map((b) => String(comparison.flips[a]?.[b] ?? 0)).join(" | ")} |`,
      ),
      "",
    );
  } else if (comparison?.kind === "values") {
    lines.push(
      `Relative change of ${comparison.metric}, candidate against pin, per horizon (${comparison.compared} requests):`,
      "",
      "| horizon | n | p5 | p25 | median | p75 | p95 | mean abs |",
      "| --- | --- | --- | --- | --- | --- | --- | --- |",
      ...comparison.horizons.map(
        (c) =>
          `| ${c.horizon} | ${c.n} | ${signedPct(c.p05)} | ${signedPct(c.p25)} | ${signedPct(c.p50)} | ${signedPct(c.p75)} | ${signedPct(c.p95)} | ${pct(c.meanAbs)} |`,
      ),
      "",
    );
  }
  lines.push(
    "| latency (in process) | p50 | p99 | mean | refused |",
    "| --- | --- | --- | --- | --- |",
    `| pin | ${ms(pin.latencyMs.p50)} | ${ms(pin.latencyMs.p99)} | ${ms(pin.latencyMs.mean)} | ${pin.refused} |`,
    `| candidate | ${ms(candidate.latencyMs.p50)} | ${ms(candidate.latencyMs.p99)} | ${ms(candidate.latencyMs.mean)} | ${candidate.refused} |`,
    "",
  );
  if (report.changedMost.length > 0)
    lines.push(
      "Requests that changed most:",
      "",
      "| request | time | pin | candidate |",
      "| --- | --- | --- | --- |",
      ...report.changedMost.map(
        (c) =>
          `| ${cell(c.requestId)} | ${c.time} | ${c.refusedBy === "pin" ? "refused" : fields(c.pin)} | ${c.refusedBy === "candidate" ? "refused" : fields(c.candidate)} |`,
      ),
      "",
    );
  else lines.push("No request changed.", "");
  lines.push(...canary.caveats.map((c) => `_Note: ${c}._`), "");
  return lines.join("\n");
}
