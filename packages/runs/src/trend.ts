import { listRuns } from "./list.js";
import type { RunStore, RunSummary } from "./summary.js";

export interface TrendOptions {
  metric: string;
  goal?: "minimize" | "maximize";
  /** The artifact the environment pins now: its runs are drawn as a star. */
  pinnedSha256?: string;
  /** The artifact being proposed: its run is named under the chart. */
  candidateSha256?: string;
  /** The most recent runs drawn (default 20). */
  limit?: number;
}

const BARS = "▁▂▃▄▅▆▇█";

const runsText = (n: number) => (n === 1 ? "run" : `${n} runs`);
const format = (v: number) => String(Number(v.toPrecision(4)));
/** A number as Mermaid reads it: no exponent. */
const decimal = (v: number) => {
  const text = format(v);
  return /e/i.test(text) ? v.toFixed(20).replace(/\.?0+$/, "") : text;
};
/** Only a name's own characters inside the chart's quoted labels. */
const label = (text: string) => text.replace(/[^A-Za-z0-9_.@ ,()-]/g, "");

/** The runs that have the metric, oldest first, the last `limit` of them. */
function points(runs: RunSummary[], options: TrendOptions) {
  return runs
    .filter((r) => Object.hasOwn(r.metrics, options.metric) && Number.isFinite(r.metrics[options.metric]))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(-(options.limit ?? 20))
    .map((r) => ({ run: r, value: r.metrics[options.metric]! }));
}

/** A run's mark: ★ the pinned artifact's, ● passed its gate, ○ did not. */
function mark(run: RunSummary, options: TrendOptions): string {
  if (options.pinnedSha256 && run.sha256 === options.pinnedSha256) return "★";
  return run.better ? "●" : "○";
}

/**
 * The metric over runs as a Mermaid xychart, which GitHub draws as an SVG in a pull request (it
 * strips images from data: URIs): a line through the runs, oldest first, each x label the run's
 * number and mark. Metric names are checked names and values numbers: nothing else is written.
 */
export function trendChart(runs: RunSummary[], options: TrendOptions): string | undefined {
  const data = points(runs, options);
  if (data.length === 0) return undefined;
  const values = data.map((d) => d.value);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const pad = (max - min) * 0.1 || Math.abs(max) * 0.05 || 1;
  const better = options.goal === "maximize" ? "higher" : options.goal === "minimize" ? "lower" : undefined;
  const title = `${options.metric}, last ${runsText(data.length)}${better ? ` (${better} is better)` : ""}`;
  return [
    "```mermaid",
    "xychart-beta",
    `    title "${label(title)}"`,
    `    x-axis "run" [${data.map((d, i) => `"${i + 1}${mark(d.run, options)}"`).join(", ")}]`,
    `    y-axis "${label(options.metric)}" ${decimal(min - pad)} --> ${decimal(max + pad)}`,
    `    line [${values.map(decimal).join(", ")}]`,
    "```",
  ].join("\n");
}

/** The same trend as text: one block character per run, low to high. */
export function sparkline(values: number[]): string {
  const min = Math.min(...values);
  const span = Math.max(...values) - min;
  return values
    .map((v) => BARS[span === 0 ? 3 : Math.round(((v - min) / span) * (BARS.length - 1))])
    .join("");
}

/** The pull request's "Recent runs" section: the chart, a text sparkline, the range. */
export function trendSection(model: string, runs: RunSummary[], options: TrendOptions): string | undefined {
  const chart = trendChart(runs, options);
  if (!chart) return undefined;
  const data = points(runs, options);
  const values = data.map((d) => d.value);
  const better = options.goal === "maximize" ? "higher" : options.goal === "minimize" ? "lower" : undefined;
  const candidate = data.find((d) => options.candidateSha256 && d.run.sha256 === options.candidateSha256);
  return [
    "### Recent runs",
    `\`${options.metric}\` of ${model}'s last ${runsText(data.length)}, oldest to newest${better ? ` (${better} is better)` : ""}: ● passed its gate, ○ did not, ★ the current pin. A trend or a fluke: \`lockstep runs list ${model}\` lists them, \`lockstep runs compare\` sets two side by side.`,
    chart,
    `\`${sparkline(values)}\` ${format(values[0]!)} → ${format(values.at(-1)!)} (range ${format(Math.min(...values))}–${format(Math.max(...values))}): runs ${data.map((d, i) => `${i + 1}${mark(d.run, options)}`).join(" ")}${candidate ? `; this candidate is run ${data.indexOf(candidate) + 1}, \`${candidate.run.id}\`` : ""}`,
  ].join("\n\n");
}

/** The section from the store's records (a listing through the index); undefined when there are none. */
export async function recentRunsSection(
  store: RunStore,
  model: string,
  options: TrendOptions & { environment?: string },
): Promise<string | undefined> {
  const { runs } = await listRuns(store, {
    model,
    ...(options.environment ? { environment: options.environment } : {}),
  });
  return trendSection(model, runs, options);
}
