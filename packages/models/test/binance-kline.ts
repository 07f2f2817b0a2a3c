import type { Candle } from "../src/btc-signal/index.js";

/** A candle as Binance's GET /api/v3/klines row: 12 fields, prices and volumes as strings. */
export function binanceKline(c: Candle, intervalMs: number): unknown[] {
  return [
    c.time,
    String(c.open),
    String(c.high),
    String(c.low),
    String(c.close),
    String(c.volume),
    c.time + intervalMs - 1,
    "0",
    1,
    "0",
    "0",
    "0",
  ];
}
