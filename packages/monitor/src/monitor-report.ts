import type { Histogram, MonitorResult, ReportedColumn } from "./batch-monitor.js";
import { realisedHtml, realisedMarkdown } from "./realised-report.js";

const f = (v: number, digits = 4) => (Number.isFinite(v) ? v.toFixed(digits) : String(v));
const escape = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

const scoreText = (c: ReportedColumn) =>
  c.test === "ks" || c.test === "chi-square"
    ? `p = ${f(c.score)} (drift below ${c.threshold})`
    : `${f(c.score)} (drift above ${c.threshold})`;

const rows = (columns: ReportedColumn[]) =>
  columns.map(
    (c) =>
      `| ${c.column} | ${c.kind} | ${c.test} | ${scoreText(c)} | ${c.count} | ${c.drift ? "**drift**" : "ok"} |`,
  );

/** The Markdown summary: verdict, window, a row per column. */
export function monitorMarkdown(result: MonitorResult): string {
  const w = result.window;
  const skipped = w.skipped;
  return [
    `# ${result.model} v${result.version}: ${result.status}`,
    ``,
    `Artifact \`${result.sha256.slice(0, 16)}…\`; ${w.records} predictions from ${w.from ?? "–"} to ${w.to ?? "–"} (${w.cached} from the cache).`,
    `${Math.round(result.driftShare * 100)}% of the tested columns drifted; the window counts as drifted at ${Math.round(result.driftShareThreshold * 100)}%.`,
    `Latency: p50 ${f(result.latencyMs.p50, 2)} ms, p99 ${f(result.latencyMs.p99, 2)} ms.`,
    ``,
    `| column | kind | test | score | values | verdict |`,
    `| --- | --- | --- | --- | ---: | --- |`,
    ...rows(result.features),
    ...rows(result.predictions),
    ``,
    ...(result.untested.length
      ? [`Not tested (no values in the window): ${result.untested.join(", ")}.`, ``]
      : []),
    result.source === "data"
      ? `Skipped: ${skipped.invalid} rows the model refused.`
      : `Skipped: ${skipped.invalid} malformed lines, ${skipped.otherModel} predictions of other models, ${skipped.otherArtifact} of other artifacts, ${skipped.older} older than the window.`,
    ``,
    ...(result.realised ? [realisedMarkdown(result.realised)] : []),
  ].join("\n");
}

/** Reference and current shares as side-by-side bars, an inline SVG. */
function histogramSvg(title: string, h: Histogram): string {
  const width = 560;
  const height = 220;
  const left = 40;
  const bottom = 60;
  const plotW = width - left - 10;
  const plotH = height - bottom - 20;
  const max = Math.max(0.01, ...h.reference, ...h.current);
  const slot = plotW / Math.max(1, h.labels.length);
  const bar = Math.max(1, slot / 2 - 2);
  const y = (v: number) => 20 + plotH - (v / max) * plotH;
  const parts: string[] = [];
  h.labels.forEach((label, i) => {
    const x = left + i * slot + 1;
    parts.push(
      `<rect x="${x.toFixed(1)}" y="${y(h.reference[i] ?? 0).toFixed(1)}" width="${bar.toFixed(1)}" height="${(20 + plotH - y(h.reference[i] ?? 0)).toFixed(1)}" fill="#9aa5b1"><title>reference ${escape(label)}: ${f(h.reference[i] ?? 0, 3)}</title></rect>`,
      `<rect x="${(x + bar + 1).toFixed(1)}" y="${y(h.current[i] ?? 0).toFixed(1)}" width="${bar.toFixed(1)}" height="${(20 + plotH - y(h.current[i] ?? 0)).toFixed(1)}" fill="#d9480f"><title>current ${escape(label)}: ${f(h.current[i] ?? 0, 3)}</title></rect>`,
      `<text x="${(x + bar).toFixed(1)}" y="${height - bottom + 14}" font-size="9" text-anchor="end" transform="rotate(-40 ${(x + bar).toFixed(1)} ${height - bottom + 14})">${escape(label)}</text>`,
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${escape(title)}">
<text x="${left}" y="12" font-size="12">${escape(title)}</text>
<line x1="${left}" y1="${20 + plotH}" x2="${width - 10}" y2="${20 + plotH}" stroke="#333"/>
<text x="4" y="24" font-size="9">${f(max, 2)}</text><text x="4" y="${20 + plotH}" font-size="9">0</text>
${parts.join("\n")}
<rect x="${width - 170}" y="4" width="10" height="10" fill="#9aa5b1"/><text x="${width - 156}" y="13" font-size="10">reference</text>
<rect x="${width - 90}" y="4" width="10" height="10" fill="#d9480f"/><text x="${width - 76}" y="13" font-size="10">current</text>
</svg>`;
}

/** A self-contained HTML report: the summary and a distribution plot per column. No scripts, no external files. */
export function monitorHtml(result: MonitorResult): string {
  const column = (c: ReportedColumn) => `<section class="${c.drift ? "drift" : "ok"}">
<h3>${escape(c.column)} <small>${c.kind}, ${c.test}: ${escape(scoreText(c))}, ${c.count} values — ${c.drift ? "drift" : "ok"}</small></h3>
${histogramSvg(`${c.column}: share of values by ${c.kind === "numeric" ? "reference decile bin" : "class"}`, c.histogram)}
</section>`;
  const w = result.window;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escape(result.model)} v${escape(result.version)}: ${result.status}</title>
<style>body{font:14px system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}
h1 .drift,section.drift h3{color:#c92a2a}section{border-top:1px solid #ddd;padding:.5em 0}small{color:#555;font-weight:normal}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}</style></head>
<body>
<h1>${escape(result.model)} v${escape(result.version)}: <span class="${result.status}">${result.status}</span></h1>
<p>Artifact <code>${escape(result.sha256)}</code>. ${w.records} predictions from ${escape(w.from ?? "–")} to ${escape(w.to ?? "–")} (${w.cached} from the cache).
${Math.round(result.driftShare * 100)}% of the tested columns drifted (the window counts as drifted at ${Math.round(result.driftShareThreshold * 100)}%).
Latency p50 ${f(result.latencyMs.p50, 2)} ms, p99 ${f(result.latencyMs.p99, 2)} ms.</p>
<h2>Features</h2>
${result.features.map(column).join("\n") || "<p>None tested.</p>"}
<h2>Predictions</h2>
${result.predictions.map(column).join("\n") || "<p>None tested.</p>"}
${result.realised ? realisedHtml(result.realised) : ""}
</body></html>
`;
}
