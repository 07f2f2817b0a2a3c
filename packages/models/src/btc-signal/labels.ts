import type { Candle } from "./candles.js";

export const CLASSES = ["sell", "hold", "buy"] as const;
export type Signal = (typeof CLASSES)[number];
export const SELL = 0;
export const HOLD = 1;
export const BUY = 2;

/** Barriers at fixed percentages of the entry close (the first btc-signal cards). */
export interface FixedBarriers {
  kind?: "fixed";
  /** Upper barrier above the entry close, in percent (take profit). */
  upperPct: number;
  /** Lower barrier below the entry close, in percent (stop loss). */
  lowerPct: number;
  /** Vertical barrier: how many following bars the trade may last. */
  horizonBars: number;
}

/**
 * Barriers scaled to the recent volatility, as the triple-barrier method prescribes: the standard
 * deviation σ of the last `volatilityBars` log returns up to the entry bar, times √horizonBars (the
 * spread of a move over the horizon), times `upperSigma` / `lowerSigma`. Every class then occurs
 * on any asset and bar size, calm or wild.
 */
export interface VolatilityBarriers {
  kind: "volatility";
  upperSigma: number;
  lowerSigma: number;
  volatilityBars: number;
  horizonBars: number;
}

/**
 * How far apart (in bar intervals) two consecutive bars may be inside a label window: daily
 * market data closes at weekends (3 intervals) and long weekends (4); a longer stretch is a gap
 * that breaks the window. Absent (the first cards): 1, any missing bar breaks it.
 */
export type Barriers = (FixedBarriers | VolatilityBarriers) & { gapIntervals?: number };

/** The upper and lower barrier prices of bar i, or undefined when its volatility window is short. */
export function barrierLevels(
  candles: readonly Candle[],
  i: number,
  barriers: Barriers,
): { upper: number; lower: number } | undefined {
  const entry = candles[i]!.close;
  if (barriers.kind !== "volatility")
    return { upper: entry * (1 + barriers.upperPct / 100), lower: entry * (1 - barriers.lowerPct / 100) };
  const n = barriers.volatilityBars;
  if (i < n) return undefined;
  let sum = 0;
  let sumSq = 0;
  for (let t = i - n + 1; t <= i; t++) {
    const r = Math.log(candles[t]!.close / candles[t - 1]!.close);
    sum += r;
    sumSq += r * r;
  }
  const sigma = Math.sqrt(Math.max(0, (sumSq - (sum * sum) / n) / (n - 1)));
  const width = sigma * Math.sqrt(barriers.horizonBars);
  if (!(width > 0)) return undefined;
  return {
    upper: entry * Math.exp(barriers.upperSigma * width),
    lower: entry * Math.exp(-barriers.lowerSigma * width),
  };
}

/**
 * Triple-barrier label of bar i, entering at its close: scanning bars i+1 .. i+horizon, the first
 * bar whose High reaches the upper barrier gives "buy", whose Low reaches the lower barrier gives
 * "sell"; neither by the vertical barrier gives "hold". Tie rule: a bar reaching both barriers is
 * labelled "sell" — the order inside a bar is unknown, and assuming the stop was hit first is the
 * conservative choice for a long-only strategy. Returns undefined when fewer than `horizon` bars
 * follow, when the following bars span a gap (their labels would mix unrelated prices), or when
 * volatility barriers have too little history (or none: a flat window) before the bar.
 */
export function tripleBarrierLabel(
  candles: readonly Candle[],
  i: number,
  barriers: Barriers,
  intervalMs: number,
): number | undefined {
  const { horizonBars } = barriers;
  if (i + horizonBars >= candles.length) return undefined;
  const levels = barrierLevels(candles, i, barriers);
  if (!levels) return undefined;
  const maxStep = intervalMs * (barriers.gapIntervals ?? 1);
  for (let j = i + 1; j <= i + horizonBars; j++) {
    if (candles[j]!.time - candles[j - 1]!.time > maxStep) return undefined;
    if (candles[j]!.low <= levels.lower) return SELL;
    if (candles[j]!.high >= levels.upper) return BUY;
  }
  return HOLD;
}

/** How many labels of each class, by name. */
export function labelCounts(y: readonly number[]): Record<Signal, number> {
  const counts = { sell: 0, hold: 0, buy: 0 };
  for (const label of y) counts[CLASSES[label]!]++;
  return counts;
}

/** The barriers as one line for protocols and reports. */
export function describeBarriers(barriers: Barriers): string {
  if (barriers.kind !== "volatility")
    return `+${barriers.upperPct}%/-${barriers.lowerPct}%/${barriers.horizonBars} bars`;
  const short = (x: number) => Number(x.toPrecision(4));
  const [up, down, h] = [short(barriers.upperSigma), short(barriers.lowerSigma), barriers.horizonBars];
  const width = up === down ? `±${up}` : `+${up}/-${down}`;
  return `${width}σ√${h} (σ: ${barriers.volatilityBars}-bar returns), ${h} bars`;
}
