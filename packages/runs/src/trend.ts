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

const WIDTH = 360;
const HEIGHT = 96;
const PAD = { left: 8, right: 8, top: 10, bottom: 10 };
const BARS = "▁▂▃▄▅▆▇█";

const runsText = (n: number) => (n === 1 ? "run" : `${n} runs`);
const format = (v: number) => String(Number(v.toPrecision(4)));
const escape = (text: string) =>
  text.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]!);

/** The runs that have the metric, oldest first, the last `limit` of them. */
function points(runs: RunSummary[], options: TrendOptions) {
  return runs
    .filter((r) => Object.hasOwn(r.metrics, options.metric) && Number.isFinite(r.metrics[options.metric]))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(-(options.limit ?? 20))
    .map((r) => ({ run: r, value: r.metrics[options.metric]! }));
}

/**
 * A small SVG of a metric over runs, as the reports' charts are drawn (no dependency): the line
 * through every run, a filled dot for a run that passed its gate, a hollow one for a loser, a
 * star for the pinned artifact's runs.
 */
export function trendSvg(runs: RunSummary[], options: TrendOptions): string | undefined {
  const data = points(runs, options);
  if (data.length === 0) return undefined;
  const values = data.map((d) => d.value);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || Math.abs(max) || 1;
  const x = (i: number) =>
    PAD.left +
    (data.length === 1
      ? (WIDTH - PAD.left - PAD.right) / 2
      : (i * (WIDTH - PAD.left - PAD.right)) / (data.length - 1));
  const y = (v: number) => PAD.top + ((max - v) / span) * (HEIGHT - PAD.top - PAD.bottom);
  const r1 = (v: number) => (Math.round(v * 10) / 10).toString();
  const line = data.map((d, i) => `${r1(x(i))},${r1(y(d.value))}`).join(" ");
  const marks = data.map((d, i) => {
    const title = `<title>${escape(`${d.run.id}: ${options.metric} ${format(d.value)} (${d.run.better ? "passed" : "did not pass"} its gate)`)}</title>`;
    if (options.pinnedSha256 && d.run.sha256 === options.pinnedSha256) {
      const cx = x(i);
      const cy = y(d.value);
      const star = Array.from({ length: 10 }, (_, k) => {
        const radius = k % 2 === 0 ? 6 : 2.6;
        const angle = -Math.PI / 2 + (k * Math.PI) / 5;
        return `${r1(cx + radius * Math.cos(angle))},${r1(cy + radius * Math.sin(angle))}`;
      }).join(" ");
      return `<polygon points="${star}" fill="#d4a017" stroke="#7a5c00">${title}</polygon>`;
    }
    const fill = d.run.better ? "#1f77b4" : "#ffffff";
    return `<circle cx="${r1(x(i))}" cy="${r1(y(d.value))}" r="3.5" fill="${fill}" stroke="#1f77b4" stroke-width="1.5">${title}</circle>`;
  });
  const label = `${options.metric} over the last ${runsText(data.length)}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escape(label)}">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<polyline points="${line}" fill="none" stroke="#1f77b4" stroke-opacity="0.5" stroke-width="1.5"/>`,
    ...marks,
    `</svg>`,
  ].join("");
}

/** The same trend as text: one block character per run, low to high. */
export function sparkline(values: number[]): string {
  const min = Math.min(...values);
  const span = Math.max(...values) - min;
  return values
    .map((v) => BARS[span === 0 ? 3 : Math.round(((v - min) / span) * (BARS.length - 1))])
    .join("");
}

/** The pull request's "Recent runs" section: the SVG (as an image), a text sparkline, the range. */
export function trendSection(model: string, runs: RunSummary[], options: TrendOptions): string | undefined {
  const svg = trendSvg(runs, options);
  if (!svg) return undefined;
  const data = points(runs, options);
  const values = data.map((d) => d.value);
  const better = options.goal === "maximize" ? "higher" : options.goal === "minimize" ? "lower" : undefined;
  const candidate = data.find((d) => options.candidateSha256 && d.run.sha256 === options.candidateSha256);
  const image = `<img alt="${escape(`${options.metric} of ${model}'s last ${runsText(data.length)}`)}" src="data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}">`;
  return [
    "### Recent runs",
    `\`${options.metric}\` of ${model}'s last ${runsText(data.length)}, oldest to newest${better ? ` (${better} is better)` : ""}: ● passed its gate, ○ did not, ★ the current pin. A trend or a fluke: \`lockstep runs list ${model}\` lists them, \`lockstep runs compare\` sets two side by side.`,
    image,
    `\`${sparkline(values)}\` ${format(values[0]!)} → ${format(values.at(-1)!)} (range ${format(Math.min(...values))}–${format(Math.max(...values))})${candidate ? `; this candidate is run \`${candidate.run.id}\`` : ""}`,
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
