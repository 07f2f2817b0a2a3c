import { Random } from "@lockstep/ml";
import type { RealisedSpec } from "./realised.js";
import type { WatchSettings } from "./watch-config.js";

/** One request both pins answered, with the truth that arrived for it. */
export interface PairedRow {
  id: string;
  time?: string;
  truth?: unknown;
  current: Record<string, unknown>;
  previous: Record<string, unknown>;
}

export interface WatchedPin {
  version: string;
  sha256: string;
}

/**
 * worse: the current pin is worse than the previous beyond the tolerance, and worse at all in at
 * least `confidence` of the paired resamples; inconclusive: beyond the tolerance on these rows, but
 * the resamples do not support it (noise); not-worse: within the tolerance; not-enough-truth: fewer
 * rows with their truth than `minTruth`, or a metric the rows cannot give (one class alone).
 */
export type WatchStatus = "worse" | "inconclusive" | "not-worse" | "not-enough-truth";

export interface WatchVerdict {
  metric: string;
  goal: "minimize" | "maximize";
  current: WatchedPin & { value?: number };
  previous: WatchedPin & { value?: number };
  /** Rows both pins answered that carry their truth (the metric's pairs). */
  truthRows: number;
  /** Rows both pins answered, truth or not. */
  pairedRows: number;
  /** How much worse the current pin is, relative to the previous (0.1: 10% worse; negative: better). */
  worsening?: number;
  /** Share of paired bootstrap resamples in which the current pin is worse than the previous. */
  worseShare?: number;
  settings: Pick<WatchSettings, "tolerance" | "minTruth" | "confidence">;
  status: WatchStatus;
  /** One sentence: why this status. */
  reason: string;
}

/** Resamples of the paired rows; enough for a 95% one-sided share to move by under 1%. */
export const RESAMPLES = 1000;

const relativeWorsening = (goal: "minimize" | "maximize", current: number, previous: number) => {
  const scale = Math.abs(previous) || Number.EPSILON;
  return (goal === "minimize" ? current - previous : previous - current) / scale;
};

const finite = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v : undefined);

/**
 * The current and the previous pin scored on the same requests (paired per row: each resample
 * draws rows, and both pins' answers to them), so a worse verdict needs the rows themselves to
 * say so, not the luck of which rows arrived. Deterministic: the resamples are seeded.
 */
export function comparePins(
  spec: RealisedSpec,
  pins: { current: WatchedPin; previous: WatchedPin },
  rows: readonly PairedRow[],
  settings: Pick<WatchSettings, "tolerance" | "minTruth" | "confidence">,
): WatchVerdict {
  const scored = rows.filter((r) => r.truth !== undefined);
  const side = (pick: "current" | "previous", of: readonly PairedRow[]) =>
    finite(spec.score(of.map((r) => ({ answer: r[pick], truth: r.truth }))));
  const base = {
    metric: spec.metric,
    goal: spec.goal,
    truthRows: scored.length,
    pairedRows: rows.length,
    settings: {
      tolerance: settings.tolerance,
      minTruth: settings.minTruth,
      confidence: settings.confidence,
    },
  };
  if (scored.length < settings.minTruth)
    return {
      ...base,
      current: { ...pins.current },
      previous: { ...pins.previous },
      status: "not-enough-truth",
      reason: `not enough truth yet: ${scored.length} of the ${settings.minTruth} rows with their truth a verdict needs`,
    };
  const current = side("current", scored);
  const previous = side("previous", scored);
  if (current === undefined || previous === undefined)
    return {
      ...base,
      current: { ...pins.current, ...(current !== undefined ? { value: current } : {}) },
      previous: { ...pins.previous, ...(previous !== undefined ? { value: previous } : {}) },
      status: "not-enough-truth",
      reason: `not enough truth yet: ${spec.metric} cannot be computed on these ${scored.length} rows (e.g. one class alone)`,
    };
  const worsening = relativeWorsening(spec.goal, current, previous);
  const random = new Random(scored.length);
  let worse = 0;
  let counted = 0;
  const draw = new Array<PairedRow>(scored.length);
  for (let b = 0; b < RESAMPLES; b++) {
    for (let i = 0; i < scored.length; i++) draw[i] = scored[random.int(0, scored.length - 1)]!;
    const c = side("current", draw);
    const p = side("previous", draw);
    // a resample the metric cannot score (one class drawn alone) says nothing either way
    if (c === undefined || p === undefined) continue;
    counted++;
    if (relativeWorsening(spec.goal, c, p) > 0) worse++;
  }
  const worseShare = counted ? worse / counted : 0;
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  const status: WatchStatus =
    worsening <= settings.tolerance
      ? "not-worse"
      : worseShare >= settings.confidence
        ? "worse"
        : "inconclusive";
  const reason =
    status === "not-worse"
      ? `${worsening > 0 ? `${pct(worsening)} worse` : `${pct(-worsening)} better`}: within the ${pct(settings.tolerance)} tolerance`
      : status === "worse"
        ? `${pct(worsening)} worse than the previous pin (tolerance ${pct(settings.tolerance)}), worse in ${pct(worseShare)} of ${counted} paired resamples (≥ ${pct(settings.confidence)} required)`
        : `${pct(worsening)} worse on these rows, but worse in only ${pct(worseShare)} of ${counted} paired resamples (${pct(settings.confidence)} required): no verdict on noise`;
  return {
    ...base,
    current: { ...pins.current, value: current },
    previous: { ...pins.previous, value: previous },
    worsening,
    worseShare,
    status,
    reason,
  };
}

const f = (v: number | undefined) => (v === undefined ? "–" : Number(v.toPrecision(4)).toString());

/** The verdict in Markdown: both pins' realised metric on the same rows, and what follows. */
export function watchMarkdown(model: string, environment: string, v: WatchVerdict): string {
  const better = v.goal === "minimize" ? "lower" : "higher";
  return [
    `## Realised ${v.metric} after the rollout: ${model} in ${environment}`,
    ``,
    `| pin | version | sha256 | realised ${v.metric} |`,
    `| --- | --- | --- | ---: |`,
    `| current | ${v.current.version} | \`${v.current.sha256.slice(0, 16)}…\` | ${f(v.current.value)} |`,
    `| previous | ${v.previous.version} | \`${v.previous.sha256.slice(0, 16)}…\` | ${f(v.previous.value)} |`,
    ``,
    `Both pins answered the same ${v.pairedRows} requests; ${v.truthRows} carry their truth (${better} is better). ` +
      `Verdict: **${v.status}** — ${v.reason}.`,
  ].join("\n");
}
