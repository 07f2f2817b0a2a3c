import type { RealisedReport } from "./realised.js";

const f = (v: number | undefined) => (v === undefined ? "–" : Number(v.toPrecision(4)).toString());
const escape = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

function verdict(r: RealisedReport): string {
  if (r.value === undefined) return `too few rows carry their truth yet (${r.rows})`;
  if (r.pinned === undefined) return "the card has no pinned value to compare with";
  const bound = r.goal === "minimize" ? r.pinned * (1 + r.tolerance) : r.pinned * (1 - r.tolerance);
  return r.degraded
    ? `**degraded**: ${f(r.value)} is ${r.goal === "minimize" ? "above" : "below"} ${f(bound)} (the pin's ${f(r.pinned)} with ${Math.round(r.tolerance * 100)}% tolerance)`
    : `within ${Math.round(r.tolerance * 100)}% of the pin's ${f(r.pinned)}`;
}

/** The realised metric in Markdown: the overall value beside the pin, and one row per period. */
export function realisedMarkdown(r: RealisedReport): string {
  return [
    `## Realised ${r.metric}`,
    ``,
    `${f(r.value)} over ${r.rows} rows whose truth has arrived (${r.goal === "minimize" ? "lower" : "higher"} is better); pinned ${f(r.pinned)}: ${verdict(r)}.`,
    ``,
    ...(r.periods.length
      ? [
          `| period | ${r.metric} | rows |`,
          `| --- | ---: | ---: |`,
          ...r.periods.map((p) => `| ${p.period} | ${f(p.value)} | ${p.rows} |`),
          ``,
        ]
      : []),
  ].join("\n");
}

/** The realised metric over time as an inline SVG line, the pinned value as a dashed line. */
function lineSvg(r: RealisedReport): string {
  const width = 560;
  const height = 220;
  const left = 50;
  const plotW = width - left - 20;
  const plotH = height - 70;
  const values = r.periods.map((p) => p.value);
  const all = r.pinned === undefined ? values : [...values, r.pinned];
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const span = hi - lo || Math.abs(hi) || 1;
  const y = (v: number) => 20 + plotH - ((v - (lo - span * 0.1)) / (span * 1.2)) * plotH;
  const x = (i: number) => left + (r.periods.length === 1 ? plotW / 2 : (i / (r.periods.length - 1)) * plotW);
  const points = r.periods.map((p, i) => `${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
  const pinned =
    r.pinned === undefined
      ? ""
      : `<line x1="${left}" x2="${left + plotW}" y1="${y(r.pinned).toFixed(1)}" y2="${y(r.pinned).toFixed(1)}" stroke="#9aa5b1" stroke-dasharray="4 3"/><text x="${left + plotW}" y="${(y(r.pinned) - 4).toFixed(1)}" font-size="10" text-anchor="end">pinned ${escape(f(r.pinned))}</text>`;
  const labels = r.periods
    .map(
      (p, i) =>
        `<circle cx="${x(i).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="3" fill="#d9480f"><title>${escape(p.period)}: ${escape(f(p.value))} (${p.rows} rows)</title></circle>` +
        `<text x="${x(i).toFixed(1)}" y="${height - 30}" font-size="9" text-anchor="end" transform="rotate(-40 ${x(i).toFixed(1)} ${height - 30})">${escape(p.period)}</text>`,
    )
    .join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="realised ${escape(r.metric)} over time">
<text x="${left}" y="12" font-size="12">${escape(r.metric)} by period</text>
${pinned}
<polyline points="${points}" fill="none" stroke="#d9480f" stroke-width="2"/>
${labels}
</svg>`;
}

/** The realised metric as an HTML section: verdict, and the metric over time. */
export function realisedHtml(r: RealisedReport): string {
  const verdictText = verdict(r).replace(/\*\*(.*?)\*\*/g, "$1");
  return `<h2>Realised ${escape(r.metric)}</h2>
<p class="${r.degraded ? "drift" : "ok"}">${escape(f(r.value))} over ${r.rows} rows whose truth has arrived; pinned ${escape(f(r.pinned))}: ${escape(verdictText)}.</p>
${r.periods.length ? lineSvg(r) : "<p>No period has rows with their truth yet.</p>"}`;
}
