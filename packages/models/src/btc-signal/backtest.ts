import type { Candle } from "./candles.js";
import { BUY } from "./labels.js";

export interface BacktestResult {
  /** Compounded return of the strategy (0.25 = +25%). */
  strategyReturn: number;
  buyHoldReturn: number;
  trades: number;
  /** Share of bars spent long. */
  exposure: number;
  /** Equity after each bar, starting at 1, for the strategy and for buy-and-hold. */
  equity: { time: number; strategy: number; buyHold: number }[];
}

/**
 * Long on "buy", flat otherwise: the position taken at bar i's close is held to bar i+1's close.
 * Each change of position pays `feePct` percent. Buy-and-hold holds through the same bars.
 */
export function backtestSignals(
  candles: readonly Candle[],
  bars: readonly number[],
  predictions: readonly number[],
  feePct: number,
): BacktestResult {
  const fee = feePct / 100;
  let strategy = 1;
  let hold = 1;
  let position = 0;
  let trades = 0;
  let long = 0;
  const equity: BacktestResult["equity"] = [];
  bars.forEach((bar, k) => {
    if (bar + 1 >= candles.length) return;
    const target = predictions[k] === BUY ? 1 : 0;
    if (target !== position) {
      strategy *= 1 - fee;
      trades++;
      position = target;
    }
    const r = candles[bar + 1]!.close / candles[bar]!.close - 1;
    if (position) {
      strategy *= 1 + r;
      long++;
    }
    hold *= 1 + r;
    equity.push({ time: candles[bar + 1]!.time, strategy, buyHold: hold });
  });
  if (position) strategy *= 1 - fee;
  return {
    strategyReturn: strategy - 1,
    buyHoldReturn: hold - 1,
    trades,
    exposure: equity.length ? long / equity.length : 0,
    equity,
  };
}
