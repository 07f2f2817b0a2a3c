import type { AnswerObserver, BatchPrediction, MonitorValue } from "@lockstep/models";
import { quantile } from "./replay-stats.js";

/** One sampled request as both artifacts answered it (an answer is absent where that side refused it). */
export interface ReplayPair {
  requestId: string;
  time: string;
  pin?: BatchPrediction;
  candidate?: BatchPrediction;
  /** Why a side refused the request. */
  refused?: { pin?: string; candidate?: string };
}

export interface ClassComparison {
  kind: "classes";
  /** Requests both sides answered. */
  compared: number;
  /** Share of them with the same top-1 class. */
  agreement: number;
  /** flips[pin class][candidate class] = requests; the diagonal is agreement. */
  flips: Record<string, Record<string, number>>;
  /** Predictions per class on each side (what the canary's class-share test counts). */
  counts: { pin: Record<string, number>; candidate: Record<string, number> };
}

export interface HorizonChange {
  /** 1-based position in the answer's values (a forecast's months ahead). */
  horizon: number;
  n: number;
  /** Quantiles of (candidate - pin) / |pin| at this position. */
  p05: number;
  p25: number;
  p50: number;
  p75: number;
  p95: number;
  /** The mean of |relative change|. */
  meanAbs: number;
}

export interface ValueComparison {
  kind: "values";
  compared: number;
  /** What the values are (the spec's observed metric, e.g. forecast_value_ppm). */
  metric: string;
  horizons: HorizonChange[];
  /** Every value of every answer, each side (the canary's histogram observes these). */
  values: { pin: number[]; candidate: number[] };
}

export interface ChangedRequest {
  requestId: string;
  time: string;
  /** The prediction fields (the log's names) of each side. */
  pin: Record<string, MonitorValue>;
  candidate: Record<string, MonitorValue>;
  /** How much it changed: 1 for a changed class plus the largest relative change of a numeric field. */
  score: number;
  /** The side that refused the request, if one did (listed first). */
  refusedBy?: "pin" | "candidate";
}

const both = (pairs: ReplayPair[]) =>
  pairs.filter((p): p is ReplayPair & { pin: BatchPrediction; candidate: BatchPrediction } =>
    Boolean(p.pin && p.candidate),
  );

const inc = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);

/** Top-1 agreement, the flip matrix and the class counts, by the spec's observed classes. */
export function compareClasses(
  pairs: ReplayPair[],
  classes: NonNullable<AnswerObserver["classes"]>,
): ClassComparison {
  const answered = both(pairs);
  const flips: Record<string, Record<string, number>> = {};
  const counts = { pin: {} as Record<string, number>, candidate: {} as Record<string, number> };
  let same = 0;
  for (const pair of answered) {
    const a = classes(pair.pin.answer)[0] ?? "";
    const b = classes(pair.candidate.answer)[0] ?? "";
    inc((flips[a] ??= {}), b);
    inc(counts.pin, a);
    inc(counts.candidate, b);
    if (a === b) same++;
  }
  return {
    kind: "classes",
    compared: answered.length,
    agreement: answered.length ? same / answered.length : Number.NaN,
    flips,
    counts,
  };
}

/** The relative change per position of the spec's observed values (per horizon), as quantiles. */
export function compareValues(
  pairs: ReplayPair[],
  values: NonNullable<AnswerObserver["values"]>,
): ValueComparison {
  const answered = both(pairs);
  const byHorizon: number[][] = [];
  const all = { pin: [] as number[], candidate: [] as number[] };
  for (const pair of answered) {
    const a = values.of(pair.pin.answer);
    const b = values.of(pair.candidate.answer);
    all.pin.push(...a);
    all.candidate.push(...b);
    for (let h = 0; h < Math.min(a.length, b.length); h++)
      if (a[h] !== 0) (byHorizon[h] ??= []).push((b[h]! - a[h]!) / Math.abs(a[h]!));
  }
  const horizons = byHorizon.map((changes, h) => {
    const sorted = [...changes].sort((x, y) => x - y);
    return {
      horizon: h + 1,
      n: sorted.length,
      p05: quantile(sorted, 0.05),
      p25: quantile(sorted, 0.25),
      p50: quantile(sorted, 0.5),
      p75: quantile(sorted, 0.75),
      p95: quantile(sorted, 0.95),
      meanAbs: sorted.reduce((s, v) => s + Math.abs(v), 0) / sorted.length,
    };
  });
  return { kind: "values", compared: answered.length, metric: values.metric, horizons, values: all };
}

/** How far a request's prediction fields moved between the sides. */
function changeScore(a: Record<string, MonitorValue>, b: Record<string, MonitorValue>): number {
  let score = 0;
  let numeric = 0;
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[key];
    const y = b[key];
    if (typeof x === "number" && typeof y === "number")
      numeric = Math.max(numeric, Math.abs(y - x) / Math.max(Math.abs(x), 1e-12));
    else if (x !== y) score = 1;
  }
  return score + numeric;
}

/** The `top` requests whose answers changed most, by their prediction fields; refused ones first. */
export function changedMost(pairs: ReplayPair[], top = 10): ChangedRequest[] {
  return pairs
    .filter((pair) => pair.pin || pair.candidate) // refused by both: nothing changed
    .map((pair) => ({
      requestId: pair.requestId,
      time: pair.time,
      pin: pair.pin?.prediction ?? {},
      candidate: pair.candidate?.prediction ?? {},
      score: pair.pin && pair.candidate ? changeScore(pair.pin.prediction, pair.candidate.prediction) : 0,
      ...(pair.pin && pair.candidate
        ? {}
        : { refusedBy: pair.pin ? ("candidate" as const) : ("pin" as const) }),
    }))
    .filter((c) => c.score > 0 || c.refusedBy)
    .sort((x, y) => Number(Boolean(y.refusedBy)) - Number(Boolean(x.refusedBy)) || y.score - x.score)
    .slice(0, top);
}
