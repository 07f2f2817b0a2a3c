import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchKlines, syntheticCandles } from "../src/btc-signal/index.js";
import { binanceKline } from "./binance-kline.js";

/** A loopback stand-in for Binance's GET /api/v3/klines: pagination by startTime/limit, 429 with Retry-After. */
const all = syntheticCandles(450, 3);
let server: Server;
let base: string;
const requests: string[] = [];
let throttleNext = 0;
let failWith: { status: number; body: string } | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url!, "http://x");
    requests.push(url.search);
    if (failWith) {
      res.writeHead(failWith.status, { "content-type": "application/json" }).end(failWith.body);
      return;
    }
    if (throttleNext > 0) {
      throttleNext--;
      res.writeHead(429, { "retry-after": "2", "content-type": "application/json" });
      res.end('{"code":-1003,"msg":"Too many requests"}');
      return;
    }
    if (url.pathname !== "/api/v3/klines" || !url.searchParams.get("symbol")) {
      res
        .writeHead(400, { "content-type": "application/json" })
        .end('{"code":-1102,"msg":"Mandatory parameter was not sent"}');
      return;
    }
    const start = Number(url.searchParams.get("startTime") ?? 0);
    const limit = Math.min(1000, Number(url.searchParams.get("limit") ?? 500));
    const page = all.filter((c) => c.time >= start).slice(0, limit);
    res.writeHead(200, { "content-type": "application/json", "x-mbx-used-weight-1m": "12" });
    res.end(JSON.stringify(page.map((c) => binanceKline(c, 4 * 3600_000))));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `klines+http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v3/klines`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("klines REST source", () => {
  it("pages through the endpoint and waits out 429 answers for their Retry-After", async () => {
    requests.length = 0;
    throttleNext = 1;
    const waits: number[] = [];
    const lines: string[] = [];
    const series = await fetchKlines(`${base}?symbol=BTCUSDT&interval=4h`, {
      limit: 100,
      sleep: async (ms) => void waits.push(ms),
      log: (l) => lines.push(l),
    });
    expect(series.candles).toEqual(all);
    expect(series.gaps).toEqual([]);
    expect(waits).toEqual([2000]);
    expect(requests).toHaveLength(6); // one throttled, five pages of 100, 100, 100, 100, 50
    expect(requests[2]).toContain(`startTime=${all[99]!.time + 1}`);
    expect(lines.some((l) => l.includes("429"))).toBe(true);
  });

  it("gives a clear error for a missing query parameter, an error answer, endless throttling and a wrong shape", async () => {
    await expect(fetchKlines(`${base}?interval=4h`)).rejects.toThrow(/needs a "symbol"/);
    failWith = { status: 400, body: '{"code":-1121,"msg":"Invalid symbol."}' };
    await expect(fetchKlines(`${base}?symbol=NOPE&interval=4h`)).rejects.toThrow(
      /answered 400: .*Invalid symbol/,
    );
    failWith = { status: 200, body: '{"not":"an array"}' };
    await expect(fetchKlines(`${base}?symbol=BTCUSDT&interval=4h`)).rejects.toThrow(/other than an array/);
    failWith = { status: 200, body: "[[1, 2]]" };
    await expect(fetchKlines(`${base}?symbol=BTCUSDT&interval=4h`)).rejects.toThrow(/kline 0 is not/);
    failWith = undefined;
    throttleNext = 100;
    await expect(
      fetchKlines(`${base}?symbol=BTCUSDT&interval=4h`, { maxRetries: 2, sleep: async () => {} }),
    ).rejects.toThrow(/kept answering 429/);
    throttleNext = 0;
  });
});
