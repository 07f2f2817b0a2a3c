import { describe, expect, it } from "vitest";
import { ModelError } from "../src/index.js";
import {
  backtestSignals,
  candlesSha256,
  featureMatrix,
  featureRow,
  FEATURE_NAMES,
  LOOKBACK,
  parseBtcParams,
  parseCandles,
  syntheticCandles,
  tripleBarrierLabel,
  barrierLevels,
  describeBarriers,
  labelCounts,
  type Barriers,
  type Candle,
} from "../src/btc-signal/index.js";

const H4 = 4 * 3600_000;

function rejects(text: string, pattern: RegExp): void {
  let error: unknown;
  try {
    parseCandles(text, "test", 1);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ModelError);
  expect((error as ModelError).code).toBe("DATA_INVALID");
  expect((error as Error).message).toMatch(pattern);
}

const row = (t: string, o: number, h: number, l: number, c: number, v = 1) => ({
  TimeKey: t,
  Open: o,
  High: h,
  Low: l,
  Close: c,
  Volume: v,
});

describe("candles", () => {
  it("reads the source system's JSON rows, exchange kline arrays and CSV with a header", () => {
    const json = JSON.stringify([
      row("2017-08-17T04:00:00Z", 1, 2, 0.5, 1.5),
      row("2017-08-17T08:00:00Z", 1.5, 2, 1, 1.2),
    ]);
    const a = parseCandles(json, "json");
    expect(a.candles[1]).toEqual({
      time: Date.parse("2017-08-17T08:00:00Z"),
      open: 1.5,
      high: 2,
      low: 1,
      close: 1.2,
      volume: 1,
    });
    expect(a.intervalMs).toBe(H4);
    const klines = JSON.stringify([
      [1502942400000, "1", "2", "0.5", "1.5", "1", 1502956799999],
      [1502956800000, "1.5", "2", "1", "1.2", "1", 1502971199999],
    ]);
    expect(parseCandles(klines, "k").candles).toEqual(a.candles);
    const csv =
      "date,open,high,low,close,adjclose,volume\n2000-01-03,1469.25,1478,1438.36,1455.22,1455.22,931800000\n2000-01-04,1455.22,1455.22,1397.43,1399.42,1399.42,1009000000\n";
    const c = parseCandles(csv, "csv");
    expect(c.candles.map((x) => x.close)).toEqual([1455.22, 1399.42]);
    expect(c.intervalMs).toBe(86_400_000);
    expect(candlesSha256(a.candles)).toBe(candlesSha256(parseCandles(klines, "k").candles));
  });

  it("reads the documented spelling (time, open, ..., volume) as it reads any other", () => {
    const aliased = [
      row("2017-08-17T04:00:00Z", 1, 2, 0.5, 1.5, 3),
      row("2017-08-17T08:00:00Z", 1.5, 2, 1, 1.2),
    ];
    const canonical = aliased.map((r) => ({
      time: r.TimeKey,
      open: r.Open,
      high: r.High,
      low: r.Low,
      close: r.Close,
      volume: r.Volume,
    }));
    const expected = parseCandles(JSON.stringify(aliased), "aliased").candles;
    expect(parseCandles(JSON.stringify(canonical), "canonical").candles).toEqual(expected);
    // one more field, or a higher-priority alias beside "time", goes the general way and still works
    const extra = canonical.map((c) => ({ ...c, trades: 7 }));
    expect(parseCandles(JSON.stringify(extra), "extra").candles).toEqual(expected);
    const timekey = canonical.map((c) => ({ ...c, timekey: 1_500_000_000_000 + c.open }));
    expect(parseCandles(JSON.stringify(timekey), "timekey").candles[0]!.time).toBe(1_500_000_000_001);
  });

  it.each([
    ["a NaN", { close: "NaN" }, /close "NaN" is not a finite number/],
    ["a hostile value", { open: { $gt: 1 } }, /open \{"\$gt":1\} is not a finite number/],
    ["a bad time", { time: "yesterday" }, /not a date/],
    ["a negative volume", { volume: -1 }, /volume must not be negative/],
    ["high below close", { high: 1, close: 2, low: 0.5 }, /high\/low/],
  ])("rejects %s in a row spelt the documented way", (_, change, pattern) => {
    const good = { time: "2020-01-01", open: 1, high: 1, low: 1, close: 1, volume: 1 };
    rejects(JSON.stringify([{ ...good, ...change }]), pattern);
  });

  it("records gaps instead of filling them", () => {
    const rows = [0, 1, 2, 5, 6].map((k) =>
      row(new Date(Date.UTC(2020, 0, 1) + k * H4).toISOString(), 1, 1, 1, 1),
    );
    const s = parseCandles(JSON.stringify(rows), "gaps");
    expect(s.gaps).toEqual([{ after: "2020-01-01T08:00:00.000Z", missingBars: 2 }]);
  });

  it.each([
    ["not JSON", "[{", /not valid JSON/],
    ["a JSON object without candles", '{"rows": []}', /array of candles/],
    [
      "a missing field",
      JSON.stringify([{ TimeKey: "2020-01-01", Open: 1, High: 1, Low: 1, Close: 1 }]),
      /missing field "volume"/,
    ],
    [
      "a NaN price",
      JSON.stringify([row("2020-01-01", 1, 1, 1, 1), { ...row("2020-01-02", 1, 1, 1, 1), Close: "NaN" }]),
      /not a finite number/,
    ],
    ["a negative price", JSON.stringify([row("2020-01-01", -1, 1, -2, 1)]), /positive/],
    ["high below close", JSON.stringify([row("2020-01-01", 1, 1, 0.5, 2)]), /high\/low/],
    ["an unparseable time", JSON.stringify([row("yesterday", 1, 1, 1, 1)]), /not a date/],
    [
      "unsorted rows",
      JSON.stringify([row("2020-01-02", 1, 1, 1, 1), row("2020-01-01", 1, 1, 1, 1)]),
      /not in time order/,
    ],
    [
      "duplicate times",
      JSON.stringify([row("2020-01-01", 1, 1, 1, 1), row("2020-01-01", 1, 1, 1, 1)]),
      /same time/,
    ],
    ["a ragged CSV", "date,open,high,low,close,volume\n2020-01-01,1,1,1,1\n", /cells/],
    [
      "a hostile value",
      JSON.stringify([{ ...row("2020-01-01", 1, 1, 1, 1), Open: { $gt: 1 } }]),
      /not a finite number/,
    ],
  ])("rejects %s", (_, text, pattern) => rejects(text, pattern));

  it("needs enough candles", () => {
    expect(() => parseCandles(JSON.stringify([row("2020-01-01", 1, 1, 1, 1)]), "x", 10)).toThrow(
      /at least 10 candles/,
    );
  });
});

describe("features", () => {
  const candles = syntheticCandles(400, 7);

  it("has at least 30 finite features per bar", () => {
    expect(FEATURE_NAMES.length).toBeGreaterThanOrEqual(30);
    const rows = featureMatrix(candles);
    expect(rows).toHaveLength(400 - LOOKBACK + 1);
    for (const r of rows) {
      expect(r).toHaveLength(FEATURE_NAMES.length);
      expect(r.every(Number.isFinite)).toBe(true);
    }
  });

  it("never reads the future: changing or shuffling later bars leaves earlier features unchanged", () => {
    const before = featureMatrix(candles);
    const cut = 250;
    const later = candles
      .slice(cut)
      .map((c) => ({ ...c, close: c.close * 3, high: c.high * 3, low: c.low * 0.1, volume: 1e9 }));
    for (let i = later.length - 1; i > 0; i--) {
      const j = (i * 7919) % (i + 1);
      [later[i], later[j]] = [later[j]!, later[i]!];
    }
    const mutated = [
      ...candles.slice(0, cut),
      ...later.map((c, k) => ({ ...c, time: candles[cut + k]!.time })),
    ];
    const after = featureMatrix(mutated);
    for (let k = 0; k + LOOKBACK - 1 < cut; k++) expect(after[k]).toEqual(before[k]);
  });

  it("gives serving (only the last LOOKBACK candles) exactly what training computed", () => {
    const all = featureMatrix(candles);
    expect(featureRow(candles.slice(-LOOKBACK))).toEqual(all.at(-1));
    expect(featureRow(candles)).toEqual(all.at(-1));
    expect(() => featureRow(candles.slice(-10))).toThrow(/need 120 candles/);
  });
});

describe("triple-barrier labels", () => {
  const bars = (hl: [number, number][]): Candle[] =>
    [[100, 100] as [number, number], ...hl].map(([high, low], i) => ({
      time: i * H4,
      open: 100,
      high,
      low,
      close: 100,
      volume: 1,
    }));
  const barriers = { upperPct: 1.5, lowerPct: 1.5, horizonBars: 3 };

  // prettier-ignore
  it("labels the first barrier touched, hold at the vertical barrier, sell on a tie, nothing at the end or over a gap", () => {
    const label = (hl: [number, number][]) => tripleBarrierLabel(bars(hl), 0, barriers, H4);
    expect(label([[101, 99], [101.6, 99.5], [100, 98]])).toBe(2);
    expect(label([[101, 98.4], [102, 99], [100, 99]])).toBe(0);
    expect(label([[101, 99], [101, 99], [101, 99]])).toBe(1);
    expect(label([[102, 98], [101, 99], [101, 99]])).toBe(0); // both in one bar: sell
    expect(label([[101, 99], [101, 99]])).toBeUndefined();
    const gap = bars([[101, 99], [101, 99], [101, 99]]);
    gap[2]!.time += H4;
    gap[3]!.time += H4;
    expect(tripleBarrierLabel(gap, 0, barriers, H4)).toBeUndefined();
    // a gap of two intervals inside the tolerance keeps the window whole
    expect(tripleBarrierLabel(gap, 0, { ...barriers, gapIntervals: 2 }, H4)).toBe(1);
  });

  // closes that alternate 100, 101 (log return σ ≈ 0.0102, × √4 ≈ 2.04%), then a flat entry bar at 100
  const volatile = (after: [number, number][]): Candle[] => {
    const closes = Array.from({ length: 21 }, (_, i) => (i % 2 === 0 ? 100 : 101));
    return [
      ...closes.map((close) => [close, close, close] as const),
      ...after.map(([h, l]) => [100, h, l] as const),
    ].map(([close, high, low], i) => ({ time: i * H4, open: close, high, low, close, volume: 1 }));
  };
  const sigma = {
    kind: "volatility" as const,
    upperSigma: 1,
    lowerSigma: 1,
    volatilityBars: 20,
    horizonBars: 4,
  };

  it("scales the barriers to the recent volatility: σ of the last returns × √horizon × k", () => {
    const candles = volatile([[100, 100]]);
    const levels = barrierLevels(candles, 20, sigma)!;
    const r = Math.log(101 / 100);
    const sd = Math.sqrt((20 * r * r) / 19); // mean 0: ten +r and ten -r
    expect(levels.upper).toBeCloseTo(100 * Math.exp(sd * 2), 9);
    expect(levels.lower).toBeCloseTo(100 * Math.exp(-sd * 2), 9);
    // 2.06% away: a 1.8% move is a hold here where the fixed 1.5% barrier calls it a buy
    const label = (hl: [number, number][], b: Barriers = sigma) =>
      tripleBarrierLabel(volatile(hl), 20, b, H4);
    const fixed = { upperPct: 1.5, lowerPct: 1.5, horizonBars: 4 };
    const quiet: [number, number] = [101, 99];
    expect(label([[101.8, 99], quiet, quiet, quiet])).toBe(1);
    expect(label([[101.8, 99], quiet, quiet, quiet], fixed)).toBe(2);
    expect(label([quiet, [102.2, 99], quiet, quiet])).toBe(2);
    expect(label([[101, 97.9], quiet, quiet, quiet])).toBe(0);
    // too little history, or a flat one, has no volatility to scale by: no label
    expect(
      tripleBarrierLabel(
        volatile([
          [101, 99],
          [101, 99],
          [101, 99],
          [101, 99],
        ]),
        19,
        sigma,
        H4,
      ),
    ).toBeUndefined();
    const flat = volatile([
      [100, 100],
      [100, 100],
      [100, 100],
      [100, 100],
    ]).map((c) => ({ ...c, close: 100 }));
    expect(tripleBarrierLabel(flat, 20, sigma, H4)).toBeUndefined();
  });

  it("counts the labels per class and describes the barriers in one line", () => {
    expect(labelCounts([0, 2, 2, 1, 2])).toEqual({ sell: 1, hold: 1, buy: 3 });
    expect(describeBarriers(sigma)).toBe("±1σ√4 (σ: 20-bar returns), 4 bars");
    expect(describeBarriers({ ...sigma, upperSigma: 2 })).toBe("+2/-1σ√4 (σ: 20-bar returns), 4 bars");
    expect(describeBarriers(barriers)).toBe("+1.5%/-1.5%/3 bars");
  });
});

describe("backtest", () => {
  it("compounds long-only returns with a fee per position change, beside buy and hold", () => {
    const closes = [100, 110, 99, 99, 108.9];
    const candles = closes.map((c, i) => ({ time: i, open: c, high: c, low: c, close: c, volume: 1 }));
    // long through bar 0->1 (+10%), flat 1->2, long 2->3 (0%) and 3->4 (+10%)
    const r = backtestSignals(candles, [0, 1, 2, 3], [2, 0, 2, 2], 0.1);
    const fee = 0.999;
    expect(r.strategyReturn).toBeCloseTo(fee * 1.1 * fee * fee * 1.1 * fee - 1, 12);
    expect(r.buyHoldReturn).toBeCloseTo(0.089, 12);
    expect(r.trades).toBe(3);
    expect(r.exposure).toBe(0.75);
  });
});

describe("btc-signal params", () => {
  it("merges over the defaults and rejects bad values", () => {
    expect(parseBtcParams({ trials: 5 }).trials).toBe(5);
    expect(() => parseBtcParams({ purgeBars: 2 })).toThrow(/purgeBars/);
    expect(() => parseBtcParams({ trials: "many" })).toThrow(/must be an integer/);
    expect(() => parseBtcParams({ upperPct: -1 })).toThrow(/between/);
    expect(() => parseBtcParams({ nope: 1 })).toThrow(/unknown param "nope"/);
    expect(() => parseBtcParams([1])).toThrow(/JSON object/);
    // barriers: volatility-scaled by default, the fixed percentages on request
    expect(parseBtcParams({}).barrier).toBe("volatility");
    expect(parseBtcParams({ barrier: "fixed" }).barrier).toBe("fixed");
    expect(() => parseBtcParams({ barrier: "magic" })).toThrow(/barrier/);
    expect(() => parseBtcParams({ upperSigma: 0 })).toThrow(/upperSigma/);
    expect(() => parseBtcParams({ volatilityBars: 1 })).toThrow(/volatilityBars/);
    expect(() => parseBtcParams({ gapIntervals: 0.5 })).toThrow(/gapIntervals/);
  });
});
