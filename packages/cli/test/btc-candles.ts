import type { btc } from "@lockstep/models";

/** 4-hour bars from 2024-01-01 (UTC): fixed times, so a run repeats exactly whatever day it runs. */
export const BAR_MS = 4 * 3600_000;
export const START = Date.UTC(2024, 0, 1);

/** A seeded generator: uniform in [0, 1), and a standard normal (Box–Muller). */
function random(seed: number) {
  let state = seed >>> 0 || 1;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 2 ** 32;
  };
  const normal = () => Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
  return { next, normal };
}

/**
 * Candles with a weekly season under noise: the drift rises and falls with the hour of the week,
 * so where the next bars go (the triple-barrier label) follows from the bar's time (the weekday
 * and hour features). A market a model can learn, unlike a random walk.
 */
export function seasonalCandles(count: number, seed = 1, amplitude = 0.008): btc.Candle[] {
  const r = random(seed);
  let close = 30_000;
  const candles: btc.Candle[] = [];
  for (let i = 0; i < count; i++) {
    const time = START + i * BAR_MS;
    const drift = amplitude * Math.sin((2 * Math.PI * time) / (7 * 86_400_000));
    const open = close;
    close = open * Math.exp(drift + 0.01 * r.normal());
    candles.push({
      time,
      open,
      high: Math.max(open, close) * (1 + 0.004 * r.next()),
      low: Math.min(open, close) * (1 - 0.004 * r.next()),
      close,
      volume: Math.round(100 + 900 * r.next()),
    });
  }
  return candles;
}

/**
 * The same bars in a shuffled order, at the same times: every bar keeps its own move (open to
 * close, its wicks, its volume), but which bar follows which is chance. Triple-barrier labels of
 * this series carry nothing the bars before them could predict: labels shuffled against features.
 */
export function shuffledBars(candles: readonly btc.Candle[], seed = 2): btc.Candle[] {
  const r = random(seed);
  const moves = candles.map((c) => ({
    change: c.close / c.open,
    high: c.high / Math.max(c.open, c.close),
    low: c.low / Math.min(c.open, c.close),
    volume: c.volume,
  }));
  for (let i = moves.length - 1; i > 0; i--) {
    const j = Math.floor(r.next() * (i + 1));
    [moves[i], moves[j]] = [moves[j]!, moves[i]!];
  }
  let close = candles[0]!.open;
  return moves.map((m, i) => {
    const open = close;
    close = open * m.change;
    return {
      time: candles[i]!.time,
      open,
      high: Math.max(open, close) * m.high,
      low: Math.min(open, close) * m.low,
      close,
      volume: m.volume,
    };
  });
}

/** Candles as an exchange's klines answer them: [openTime, open, high, low, close, volume]. */
export const klinesJson = (candles: readonly btc.Candle[]): string =>
  JSON.stringify(candles.map((c) => [c.time, c.open, c.high, c.low, c.close, c.volume]));
