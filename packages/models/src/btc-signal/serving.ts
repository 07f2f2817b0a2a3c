import { argmax } from "@lockstep/ml";
import { ModelError } from "../errors.js";
import type { DecodedRequest, OutputTensor, ServedCard, ServingAdapter } from "../serving-adapter.js";
import { btcBatch } from "./batch.js";
import { candleFromRow, toSeries, type Candle } from "./candles.js";
import { featureRow, LOOKBACK } from "./features.js";
import { CLASSES, type Barriers } from "./labels.js";
import { btcSettings } from "./settings.js";

/** What btc-signal's trainer writes into the card for serving. */
export interface BtcServing {
  lookback: number;
  intervalMs: number;
  featureIndices: number[];
  featureNames: string[];
  barriers: Barriers;
  /** The last candle of the training data (cards from trainer v2 on). */
  lastCandle?: string;
}

interface BtcContext {
  time: string;
  warnings: string[];
}

export const MAX_REQUEST_CANDLES = 2000;

const invalid = (message: string): never => {
  throw new ModelError("REQUEST_INVALID", message);
};

/** The candles of a request the schema let through: {"candles": [...]} or the list itself. */
function parseRequestCandles(body: unknown): Candle[] {
  const list = Array.isArray(body) ? body : (body as { candles: unknown[] }).candles;
  try {
    return list.map((row, i) => candleFromRow(row, `candle ${i}`));
  } catch (error) {
    return invalid((error as Error).message);
  }
}

/**
 * POST /v1/models/btc-signal/predict
 *   {"candles": [ ...at least 120 candles, oldest first... ]}
 * answers the signal for the bar after the last candle with the class probabilities.
 */
export const btcServing: ServingAdapter<BtcContext, BtcServing> = {
  decode(body: unknown, card: ServedCard<BtcServing>): DecodedRequest<BtcContext> {
    const { serving } = card;
    const candles = parseRequestCandles(body);
    let series;
    try {
      series = toSeries(candles, "request", LOOKBACK);
    } catch (error) {
      return invalid((error as Error).message);
    }
    const warnings: string[] = [];
    if (series.intervalMs !== serving.intervalMs) {
      warnings.push(
        `the candles are ${series.intervalMs / 60_000} minutes apart; the model was trained on ${serving.intervalMs / 60_000}-minute candles`,
      );
    }
    const recentGaps = series.gaps.filter(
      (g) => Date.parse(g.after) >= candles[candles.length - LOOKBACK]!.time,
    );
    if (recentGaps.length) warnings.push(`${recentGaps.length} gap(s) in the last ${LOOKBACK} candles`);
    const row = featureRow(candles);
    const features = Float32Array.from(serving.featureIndices, (f) => row[f]!);
    if (!features.every(Number.isFinite))
      invalid("the candles give non-finite features (zero or extreme prices?)");
    return {
      feeds: { features: { type: "float32", data: features, dims: [1, features.length] } },
      context: { time: new Date(candles.at(-1)!.time).toISOString(), warnings },
    };
  },

  encode(outputs: Record<string, OutputTensor>, card: ServedCard<BtcServing>, context: BtcContext) {
    const { serving } = card;
    const p = outputs.probabilities!.data;
    const labels = card.labels ?? [...CLASSES];
    return {
      signal: labels[argmax(p)],
      probabilities: Object.fromEntries(labels.map((label, i) => [label, Math.round(p[i]! * 1e6) / 1e6])),
      lastCandle: context.time,
      barriers: serving.barriers,
      ...(context.warnings.length ? { warnings: context.warnings } : {}),
    };
  },

  monitor: {
    features({ feeds }, card) {
      const row = feeds.features!.data;
      return Object.fromEntries(card.serving.featureNames.map((name, i) => [name, row[i]!]));
    },
    prediction(answer) {
      const probabilities = answer.probabilities as Record<string, number>;
      return {
        signal: String(answer.signal),
        ...Object.fromEntries(Object.entries(probabilities).map(([label, p]) => [`p_${label}`, p])),
      };
    },
  },
  batch: btcBatch,
  golden: [{ candles: syntheticCandles(LOOKBACK, 1) }, { candles: syntheticCandles(300, 2) }],
  settings: btcSettings,
  observe: { classes: (answer) => [String(answer.signal)] },
  schema: {
    request: requestSchema(),
    response: {
      type: "object",
      properties: {
        signal: { type: "string", enum: ["sell", "hold", "buy"] },
        probabilities: { type: "object", additionalProperties: { type: "number" } },
        lastCandle: { type: "string", format: "date-time" },
        barriers: { type: "object" },
        warnings: { type: "array", items: { type: "string" } },
      },
    },
  },
};

/** {"candles": [...]}, or the candles list itself as an exchange answers it. */
function requestSchema() {
  const candles = {
    type: "array",
    minItems: LOOKBACK,
    maxItems: MAX_REQUEST_CANDLES,
    description: "4-hour candles, oldest first",
    items: {
      description:
        "a candle: an object {TimeKey, Open, High, Low, Close, Volume} or a kline array [openTime, open, high, low, close, volume, ...]",
      oneOf: [
        {
          type: "object",
          description: "also accepted: time/open/high/low/close/volume and o/h/l/c/v spellings",
          properties: {
            TimeKey: { type: ["integer", "string"], description: "open time (ms since epoch or ISO 8601)" },
            Open: { type: ["number", "string"] },
            High: { type: ["number", "string"] },
            Low: { type: ["number", "string"] },
            Close: { type: ["number", "string"] },
            Volume: { type: ["number", "string"] },
          },
        },
        {
          type: "array",
          description:
            "an exchange kline as Binance's GET /api/v3/klines returns it: [openTime, open, high, low, close, volume, ...], numbers or numeric strings",
          minItems: 6,
          items: { type: ["number", "string"] },
        },
      ],
    },
  };
  return {
    type: ["object", "array"],
    description:
      '{"candles": [{"TimeKey", "Open", "High", "Low", "Close", "Volume"}, ...]} or the candles list itself',
    if: { type: "array" },
    then: candles,
    else: { additionalProperties: false, required: ["candles"], properties: { candles } },
  };
}

/** A deterministic random-walk candle series (4-hour bars) for golden requests and tests. */
export function syntheticCandles(count: number, seed: number, intervalMs = 4 * 3600_000): Candle[] {
  let state = seed >>> 0 || 1;
  const next = () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const candles: Candle[] = [];
  let close = 30_000;
  const start = Date.UTC(2021, 0, 1);
  for (let i = 0; i < count; i++) {
    const open = close;
    close = open * Math.exp((next() - 0.5) * 0.03);
    const high = Math.max(open, close) * (1 + next() * 0.01);
    const low = Math.min(open, close) * (1 - next() * 0.01);
    candles.push({
      time: start + i * intervalMs,
      open: Math.round(open * 100) / 100,
      high: Math.round(high * 100) / 100 + 0.01,
      low: Math.round(low * 100) / 100 - 0.01,
      close: Math.round(close * 100) / 100,
      volume: Math.round(100 + next() * 900),
    });
  }
  return candles;
}
