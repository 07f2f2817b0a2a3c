import { createHash } from "node:crypto";
import { ModelError } from "../errors.js";

/** One OHLCV bar; `time` is the bar's open time in epoch milliseconds (UTC). */
export interface Candle {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** A run of missing bars: the bar at `after` is followed by one `bars` intervals later. */
export interface Gap {
  after: string;
  missingBars: number;
}

export interface CandleSeries {
  source: string;
  candles: Candle[];
  /** The regular bar interval (the most common spacing), in milliseconds. */
  intervalMs: number;
  gaps: Gap[];
}

export const MAX_CANDLES = 500_000;

const fail = (message: string): never => {
  throw new ModelError("DATA_INVALID", message);
};

const FIELD_NAMES: Record<keyof Candle, string[]> = {
  time: ["timekey", "time", "timestamp", "date", "datetime", "opentime", "open_time", "t"],
  open: ["open", "o"],
  high: ["high", "h"],
  low: ["low", "l"],
  close: ["close", "c"],
  volume: ["volume", "vol", "v"],
};

function parseTime(value: unknown, where: string): number {
  if (typeof value === "number" && Number.isFinite(value)) {
    // seconds or milliseconds since the epoch
    return value < 1e11 ? value * 1000 : value;
  }
  if (typeof value === "string" && value.trim() !== "") {
    const trimmed = value.trim();
    if (/^\d+$/.test(trimmed)) return parseTime(Number(trimmed), where);
    // a bare date or a zone-less date-time is UTC
    const iso = /^\d{4}-\d{2}-\d{2}$/.test(trimmed)
      ? `${trimmed}T00:00:00Z`
      : /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(trimmed)
        ? `${trimmed.replace(" ", "T")}Z`
        : trimmed;
    const ms = Date.parse(iso);
    if (Number.isFinite(ms)) return ms;
  }
  return fail(`${where}: time ${JSON.stringify(value)} is not a date, date-time or epoch number`);
}

function parseNumber(value: unknown, field: string, where: string): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n)) {
    return fail(`${where}: ${field} ${JSON.stringify(value)} is not a finite number`);
  }
  return n;
}

function checkCandle(c: Candle, where: string): Candle {
  if (c.open <= 0 || c.high <= 0 || c.low <= 0 || c.close <= 0) fail(`${where}: prices must be positive`);
  if (c.volume < 0) fail(`${where}: volume must not be negative`);
  if (c.high < Math.max(c.open, c.close) || c.low > Math.min(c.open, c.close)) {
    fail(`${where}: high/low do not contain open and close (high ${c.high}, low ${c.low})`);
  }
  return c;
}

const CANONICAL = new Set<string>(Object.keys(FIELD_NAMES));

/** Exactly the six documented field names: nothing to look up (a served window has hundreds). */
function isCanonical(row: object): row is Record<keyof Candle, unknown> {
  let count = 0;
  for (const key in row) {
    if (!CANONICAL.has(key)) return false;
    count++;
  }
  return count === CANONICAL.size;
}

/** A candle from an object with any common field spelling (TimeKey/Open/..., time/o/h/l/c/v, ...). */
export function candleFromObject(row: unknown, where: string): Candle {
  if (row === null || typeof row !== "object" || Array.isArray(row)) {
    return fail(
      `${where}: expected an object with time, open, high, low, close and volume, or a kline array`,
    );
  }
  if (isCanonical(row)) {
    return checkCandle(
      {
        time: parseTime(row.time, where),
        open: parseNumber(row.open, "open", where),
        high: parseNumber(row.high, "high", where),
        low: parseNumber(row.low, "low", where),
        close: parseNumber(row.close, "close", where),
        volume: parseNumber(row.volume, "volume", where),
      },
      where,
    );
  }
  const lower = new Map(Object.entries(row).map(([k, v]) => [k.toLowerCase(), v]));
  const pick = (field: keyof Candle) => {
    for (const name of FIELD_NAMES[field]) if (lower.has(name)) return lower.get(name);
    return fail(`${where}: missing field "${field}" (accepted names: ${FIELD_NAMES[field].join(", ")})`);
  };
  return checkCandle(
    {
      time: parseTime(pick("time"), where),
      open: parseNumber(pick("open"), "open", where),
      high: parseNumber(pick("high"), "high", where),
      low: parseNumber(pick("low"), "low", where),
      close: parseNumber(pick("close"), "close", where),
      volume: parseNumber(pick("volume"), "volume", where),
    },
    where,
  );
}

/** A candle from an exchange kline array: [openTime, open, high, low, close, volume, ...]. */
function candleFromArray(row: unknown[], where: string): Candle {
  if (row.length < 6) fail(`${where}: a kline array needs [time, open, high, low, close, volume]`);
  return checkCandle(
    {
      time: parseTime(row[0], where),
      open: parseNumber(row[1], "open", where),
      high: parseNumber(row[2], "high", where),
      low: parseNumber(row[3], "low", where),
      close: parseNumber(row[4], "close", where),
      volume: parseNumber(row[5], "volume", where),
    },
    where,
  );
}

/** A candle from either JSON shape: an object with any common field spelling, or a kline array. */
export function candleFromRow(row: unknown, where: string): Candle {
  return Array.isArray(row) ? candleFromArray(row, where) : candleFromObject(row, where);
}

function parseJsonCandles(text: string): Candle[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return fail(`candles are not valid JSON: ${(error as Error).message}`);
  }
  const rows = Array.isArray(doc)
    ? doc
    : doc && typeof doc === "object" && Array.isArray((doc as { candles?: unknown }).candles)
      ? (doc as { candles: unknown[] }).candles
      : fail('candle JSON must be an array of candles (or {"candles": [...]})');
  if (rows.length > MAX_CANDLES) fail(`too many candles: ${rows.length} (limit ${MAX_CANDLES})`);
  return rows.map((row, i) => candleFromRow(row, `candle ${i}`));
}

function parseCsvCandles(text: string): Candle[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "" && !l.startsWith("#"));
  if (lines.length < 2) fail("candle CSV needs a header line and at least one row");
  if (lines.length - 1 > MAX_CANDLES) fail(`too many candles: ${lines.length - 1} (limit ${MAX_CANDLES})`);
  const header = lines[0]!.split(",").map((h) => h.trim().replace(/^"(.*)"$/, "$1"));
  return lines.slice(1).map((line, i) => {
    const cells = line.split(",").map((c) => c.trim().replace(/^"(.*)"$/, "$1"));
    if (cells.length !== header.length) {
      fail(`CSV line ${i + 2}: ${cells.length} cells, the header has ${header.length}`);
    }
    return candleFromObject(Object.fromEntries(header.map((h, k) => [h, cells[k]])), `CSV line ${i + 2}`);
  });
}

/** The most common spacing between consecutive bars. */
function modalInterval(candles: Candle[]): number {
  const counts = new Map<number, number>();
  for (let i = 1; i < candles.length; i++) {
    const d = candles[i]!.time - candles[i - 1]!.time;
    counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let best = 0;
  let bestCount = 0;
  for (const [d, n] of counts) if (n > bestCount || (n === bestCount && d < best)) [best, bestCount] = [d, n];
  return best;
}

/** Rows must be strictly time-ordered (no duplicates); gaps are measured, not filled. */
export function toSeries(candles: Candle[], source: string, minCandles = 2): CandleSeries {
  if (candles.length < minCandles) fail(`need at least ${minCandles} candles, got ${candles.length}`);
  for (let i = 1; i < candles.length; i++) {
    const [a, b] = [candles[i - 1]!.time, candles[i]!.time];
    if (b === a) fail(`candles ${i - 1} and ${i} have the same time ${new Date(a).toISOString()}`);
    if (b < a)
      fail(
        `candles are not in time order at row ${i} (${new Date(b).toISOString()} after ${new Date(a).toISOString()})`,
      );
  }
  const intervalMs = modalInterval(candles);
  const gaps: Gap[] = [];
  for (let i = 1; i < candles.length; i++) {
    const d = candles[i]!.time - candles[i - 1]!.time;
    if (d > intervalMs) {
      gaps.push({
        after: new Date(candles[i - 1]!.time).toISOString(),
        missingBars: Math.round(d / intervalMs) - 1,
      });
    }
  }
  return { source, candles, intervalMs, gaps };
}

/** Parses candles from JSON (objects or kline arrays) or CSV with a header row. */
export function parseCandles(text: string, source: string, minCandles = 2): CandleSeries {
  const trimmed = text.replace(/^\uFEFF/, "").trimStart();
  const candles =
    trimmed.startsWith("[") || trimmed.startsWith("{") ? parseJsonCandles(trimmed) : parseCsvCandles(trimmed);
  return toSeries(candles, source, minCandles);
}

/** A fingerprint of the candle values themselves (not of the file's formatting). */
export function candlesSha256(candles: Candle[]): string {
  const hash = createHash("sha256");
  for (const c of candles) hash.update(`${c.time},${c.open},${c.high},${c.low},${c.close},${c.volume}\n`);
  return hash.digest("hex");
}
