import type { Candle } from "./candles.js";

export const CLASSES = ["sell", "hold", "buy"] as const;
export type Signal = (typeof CLASSES)[number];
export const SELL = 0;
export const HOLD = 1;
export const BUY = 2;

export interface Barriers {
  /** Upper barrier above the entry close, in percent (take profit). */
  upperPct: number;
  /** Lower barrier below the entry close, in percent (stop loss). */
  lowerPct: number;
  /** Vertical barrier: how many following bars the trade may last. */
  horizonBars: number;
}

/**
 * Triple-barrier label of bar i, entering at its close: scanning bars i+1 .. i+horizon, the first
 * bar whose High reaches the upper barrier gives "buy", whose Low reaches the lower barrier gives
 * "sell"; neither by the vertical barrier gives "hold". Tie rule: a bar reaching both barriers is
 * labelled "sell" — the order inside a bar is unknown, and assuming the stop was hit first is the
 * conservative choice for a long-only strategy. Returns undefined when fewer than `horizon` bars
 * follow, or when the following bars span a gap (their labels would mix unrelated prices).
 */
export function tripleBarrierLabel(
  candles: readonly Candle[],
  i: number,
  barriers: Barriers,
  intervalMs: number,
): number | undefined {
  const { horizonBars } = barriers;
  if (i + horizonBars >= candles.length) return undefined;
  const entry = candles[i]!.close;
  const upper = entry * (1 + barriers.upperPct / 100);
  const lower = entry * (1 - barriers.lowerPct / 100);
  for (let j = i + 1; j <= i + horizonBars; j++) {
    if (candles[j]!.time - candles[j - 1]!.time > intervalMs) return undefined;
    const hitLower = candles[j]!.low <= lower;
    const hitUpper = candles[j]!.high >= upper;
    if (hitLower) return SELL;
    if (hitUpper) return BUY;
  }
  return HOLD;
}
