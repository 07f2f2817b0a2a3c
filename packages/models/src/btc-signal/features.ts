import type { Candle } from "./candles.js";

/**
 * Features of bar i computed from bars i-LOOKBACK+1 .. i only: no future bar, and no state older
 * than the window (moving averages are recomputed inside it), so the server, holding only the last
 * LOOKBACK candles, computes exactly the numbers training saw. One function serves both.
 */
export const LOOKBACK = 120;

const RETURN_HORIZONS = [1, 2, 4, 6, 12, 24, 48];
const SMA_WINDOWS = [6, 12, 24, 48, 96];
const VOLATILITY_WINDOWS = [6, 24, 96];
const VOLUME_WINDOWS = [6, 24, 96];

export const FEATURE_NAMES: readonly string[] = [
  ...RETURN_HORIZONS.map((h) => `ret_${h}`),
  ...SMA_WINDOWS.map((w) => `close_sma_${w}`),
  "sma_12_48",
  "macd",
  "macd_signal",
  "macd_hist",
  "rsi_6",
  "rsi_14",
  "bb_pct_b",
  "bb_width",
  "atr_14",
  "atr_48",
  ...VOLATILITY_WINDOWS.map((w) => `volatility_${w}`),
  "volatility_ratio",
  ...VOLUME_WINDOWS.map((w) => `volume_z_${w}`),
  "volume_sma_6_48",
  "bar_range",
  "bar_body",
  "upper_wick",
  "lower_wick",
  "stoch_k_14",
  "from_high_48",
  "from_low_48",
  "hour_sin",
  "hour_cos",
  "weekday_sin",
  "weekday_cos",
];

function mean(values: ArrayLike<number>, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += values[i]!;
  return s / (to - from);
}

function std(values: ArrayLike<number>, from: number, to: number): number {
  const m = mean(values, from, to);
  let s = 0;
  for (let i = from; i < to; i++) s += (values[i]! - m) ** 2;
  return Math.sqrt(s / Math.max(1, to - from - 1));
}

/** Exponential moving average over values[from..to), seeded with the first value. */
function emaSeries(values: ArrayLike<number>, from: number, to: number, span: number): number[] {
  const alpha = 2 / (span + 1);
  const out: number[] = [];
  let e = values[from]!;
  for (let i = from; i < to; i++) {
    e = i === from ? values[i]! : alpha * values[i]! + (1 - alpha) * e;
    out.push(e);
  }
  return out;
}

/** Wilder's RSI over the last `period` changes ending at index `end` (inclusive). */
function rsi(close: ArrayLike<number>, end: number, period: number): number {
  let gain = 0;
  let loss = 0;
  for (let i = end - period + 1; i <= end; i++) {
    const d = close[i]! - close[i - 1]!;
    if (d > 0) gain += d;
    else loss -= d;
  }
  if (gain + loss === 0) return 50;
  return (100 * gain) / (gain + loss);
}

function trueRange(candles: readonly Candle[], i: number): number {
  const c = candles[i]!;
  const prev = candles[i - 1]!.close;
  return Math.max(c.high - c.low, Math.abs(c.high - prev), Math.abs(c.low - prev));
}

/**
 * The feature vector of the last candle of `window` (at least LOOKBACK candles; only the last
 * LOOKBACK are read). Returns FEATURE_NAMES.length finite numbers.
 */
export function featureRow(window: readonly Candle[]): number[] {
  if (window.length < LOOKBACK)
    throw new RangeError(`features need ${LOOKBACK} candles, got ${window.length}`);
  const bars = window.length > LOOKBACK ? window.slice(window.length - LOOKBACK) : window;
  const n = bars.length;
  const last = n - 1;
  const close = bars.map((b) => b.close);
  const logClose = close.map(Math.log);
  const logReturns = logClose.map((v, i) => (i === 0 ? 0 : v - logClose[i - 1]!));
  const logVolume = bars.map((b) => Math.log1p(b.volume));
  const c = bars[last]!;
  const row: number[] = [];

  for (const h of RETURN_HORIZONS) row.push(logClose[last]! - logClose[last - h]!);
  for (const w of SMA_WINDOWS) row.push(Math.log(c.close / mean(close, n - w, n)));
  row.push(Math.log(mean(close, n - 12, n) / mean(close, n - 48, n)));

  const ema12 = emaSeries(close, 0, n, 12);
  const ema26 = emaSeries(close, 0, n, 26);
  const macdLine = ema12.map((v, i) => (v - ema26[i]!) / close[i]!);
  const signal = emaSeries(macdLine, 0, n, 9);
  row.push(macdLine[last]!, signal[last]!, macdLine[last]! - signal[last]!);

  row.push(rsi(close, last, 6) / 100, rsi(close, last, 14) / 100);

  const bbMean = mean(close, n - 20, n);
  const bbStd = std(close, n - 20, n);
  row.push(bbStd === 0 ? 0.5 : (c.close - (bbMean - 2 * bbStd)) / (4 * bbStd), (4 * bbStd) / bbMean);

  for (const w of [14, 48]) {
    let tr = 0;
    for (let i = n - w; i < n; i++) tr += trueRange(bars, i);
    row.push(tr / w / c.close);
  }

  const vols = VOLATILITY_WINDOWS.map((w) => std(logReturns, n - w, n));
  row.push(...vols, vols[2]! === 0 ? 1 : vols[0]! / vols[2]!);

  for (const w of VOLUME_WINDOWS) {
    const s = std(logVolume, n - w, n);
    row.push(s === 0 ? 0 : (logVolume[last]! - mean(logVolume, n - w, n)) / s);
  }
  row.push(mean(logVolume, n - 6, n) - mean(logVolume, n - 48, n));

  row.push((c.high - c.low) / c.close, (c.close - c.open) / c.open);
  row.push((c.high - Math.max(c.open, c.close)) / c.close, (Math.min(c.open, c.close) - c.low) / c.close);

  let hi14 = -Infinity;
  let lo14 = Infinity;
  for (let i = n - 14; i < n; i++)
    [hi14, lo14] = [Math.max(hi14, bars[i]!.high), Math.min(lo14, bars[i]!.low)];
  row.push(hi14 === lo14 ? 0.5 : (c.close - lo14) / (hi14 - lo14));
  let hi48 = -Infinity;
  let lo48 = Infinity;
  for (let i = n - 48; i < n; i++)
    [hi48, lo48] = [Math.max(hi48, bars[i]!.high), Math.min(lo48, bars[i]!.low)];
  row.push(Math.log(c.close / hi48), Math.log(c.close / lo48));

  // calendar of the bar's close (open time + one interval is unknown here: use the open time)
  const date = new Date(c.time);
  const hour = (date.getUTCHours() + date.getUTCMinutes() / 60) / 24;
  const weekday = date.getUTCDay() / 7;
  row.push(Math.sin(2 * Math.PI * hour), Math.cos(2 * Math.PI * hour));
  row.push(Math.sin(2 * Math.PI * weekday), Math.cos(2 * Math.PI * weekday));
  return row;
}

/** Feature rows for every bar from LOOKBACK-1 on: row k belongs to bar k + LOOKBACK - 1. */
export function featureMatrix(candles: readonly Candle[]): number[][] {
  const rows: number[][] = [];
  for (let i = LOOKBACK - 1; i < candles.length; i++)
    rows.push(featureRow(candles.slice(i - LOOKBACK + 1, i + 1)));
  return rows;
}
