import { ModelError } from "../errors.js";
import { candleFromObject, toSeries, type Candle, type CandleSeries } from "./candles.js";
import { LOOKBACK } from "./features.js";

/**
 * Candles from an exchange's public klines REST endpoint (Binance's shape:
 * GET <url>?symbol=BTCUSDT&interval=4h&startTime=&endTime=&limit= → [[openTime, "open", "high",
 * "low", "close", "volume", closeTime, ...], ...]), given as `klines+https://host/api/v3/klines?symbol=BTCUSDT&interval=4h`.
 * Pages forward from startTime (default: the beginning) until a short page or endTime; waits out
 * 429/418 answers for their Retry-After, and slows down near the used-weight limit.
 */
export const isKlinesUri = (uri: string) => /^klines\+https?:\/\//i.test(uri);

export interface KlinesOptions {
  log?: (message: string) => void;
  fetch?: typeof fetch;
  /** Page size (Binance's maximum is 1000). */
  limit?: number;
  maxPages?: number;
  maxRetries?: number;
  /** Injected for tests: how to wait `ms` milliseconds. */
  sleep?: (ms: number) => Promise<void>;
}

const WEIGHT_LIMIT = 1200;
const MAX_WAIT_MS = 120_000;

const fail = (message: string): never => {
  throw new ModelError("DATA_INVALID", message);
};

export async function fetchKlines(uri: string, options: KlinesOptions = {}): Promise<CandleSeries> {
  const url = new URL(uri.replace(/^klines\+/i, ""));
  for (const required of ["symbol", "interval"]) {
    if (!url.searchParams.get(required)) fail(`klines URI needs a "${required}" query parameter: ${uri}`);
  }
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const limit = options.limit ?? 1000;
  const maxPages = options.maxPages ?? 1000;
  const maxRetries = options.maxRetries ?? 5;
  const endTime = url.searchParams.get("endTime");
  let startTime = Number(url.searchParams.get("startTime") ?? 0);
  const candles: Candle[] = [];
  for (let page = 0; page < maxPages; page++) {
    const pageUrl = new URL(url);
    pageUrl.searchParams.set("startTime", String(startTime));
    pageUrl.searchParams.set("limit", String(limit));
    let response: Response | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        response = await doFetch(pageUrl, { headers: { accept: "application/json" } });
      } catch (error) {
        if (attempt >= maxRetries) return fail(`klines endpoint unreachable: ${(error as Error).message}`);
        await sleep(1000 * 2 ** attempt);
        continue;
      }
      if (response.status !== 429 && response.status !== 418 && response.status < 500) break;
      if (attempt >= maxRetries)
        return fail(`klines endpoint kept answering ${response.status} after ${maxRetries} retries`);
      const retryAfter = Number(response.headers.get("retry-after"));
      const wait = Math.min(
        MAX_WAIT_MS,
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 1000 * 2 ** attempt,
      );
      options.log?.(`klines: ${response.status}, waiting ${Math.round(wait / 1000)} s before retrying`);
      await response.body?.cancel();
      await sleep(wait);
    }
    if (!response!.ok) {
      const text = (await response!.text()).slice(0, 300);
      return fail(`klines endpoint answered ${response!.status}: ${text}`);
    }
    const body: unknown = await response!.json().catch(() => fail("klines endpoint answered invalid JSON"));
    if (!Array.isArray(body)) return fail("klines endpoint answered something other than an array of klines");
    for (const [i, row] of body.entries()) {
      if (!Array.isArray(row) || row.length < 6)
        fail(`kline ${candles.length + i} is not [openTime, open, high, low, close, volume, ...]`);
      const [time, open, high, low, close, volume] = row as unknown[];
      candles.push(candleFromObject({ time, open, high, low, close, volume }, `kline ${candles.length}`));
    }
    options.log?.(`klines: ${candles.length} candles so far`);
    const used = Number(response!.headers.get("x-mbx-used-weight-1m"));
    if (Number.isFinite(used) && used > WEIGHT_LIMIT * 0.9) await sleep(10_000);
    if (body.length < limit) break;
    startTime = candles.at(-1)!.time + 1;
    if (endTime !== null && startTime > Number(endTime)) break;
    if (page === maxPages - 1) fail(`klines: stopped after ${maxPages} pages; narrow startTime/endTime`);
  }
  return toSeries(candles, uri, LOOKBACK + 50);
}
