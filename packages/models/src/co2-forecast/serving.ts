import { ModelError, quoted } from "../errors.js";
import type { DecodedRequest, OutputTensor, ServedCard, ServingAdapter } from "../serving-adapter.js";
import { co2Batch } from "./batch.js";
import { monthIndex, monthLabel } from "./months.js";
import { co2Settings } from "./settings.js";

/** What co2-forecast's trainer writes into the card for serving. */
export interface Co2Serving {
  unit: string;
  lastMonth: string;
  history: number[];
  maxHorizon: number;
  intervalLevel: number;
}

interface Co2Context {
  horizon: number;
  lastMonth: string;
}

interface Co2Request {
  horizon?: number;
  history?: number[];
  lastMonth?: string;
}

const invalid = (message: string): never => {
  throw new ModelError("REQUEST_INVALID", message);
};

/**
 * POST /v1/models/co2-forecast/predict
 *   {"horizon": 12}                                      forecast after the training data
 *   {"horizon": 12, "history": [...], "lastMonth": "2021-06"}   forecast after your own recent data
 * The schema checks the shape; decode checks what depends on the model: its horizon and window.
 */
export const co2Serving: ServingAdapter<Co2Context, Co2Serving> = {
  decode(body: unknown, card: ServedCard<Co2Serving>): DecodedRequest<Co2Context> {
    const { serving } = card;
    const request = body as Co2Request;
    const window = serving.history.length;
    const horizon = request.horizon ?? 12;
    if (horizon > serving.maxHorizon) {
      invalid(`"horizon" must be an integer from 1 to ${serving.maxHorizon}, got ${quoted(horizon)}`);
    }
    let history = serving.history;
    let lastMonth = serving.lastMonth;
    if (request.history !== undefined && request.lastMonth !== undefined) {
      if (request.history.length < window) {
        invalid(
          `"history" must hold at least ${window} (and at most 10000) monthly values, got ${request.history.length}`,
        );
      }
      history = request.history.slice(request.history.length - window);
      lastMonth = request.lastMonth;
    }
    return {
      feeds: { history: { type: "float32", data: Float32Array.from(history), dims: [1, window] } },
      context: { horizon, lastMonth },
    };
  },

  encode(outputs: Record<string, OutputTensor>, card: ServedCard<Co2Serving>, context: Co2Context) {
    const { serving } = card;
    const start = monthIndex(context.lastMonth) + 1;
    const round = (v: number) => Math.round(v * 1000) / 1000;
    return {
      unit: serving.unit,
      interval: serving.intervalLevel,
      forecast: Array.from({ length: context.horizon }, (_, h) => ({
        month: monthLabel(start + h),
        value: round(outputs.forecast!.data[h]!),
        lower: round(outputs.lower!.data[h]!),
        upper: round(outputs.upper!.data[h]!),
      })),
    };
  },

  monitor: {
    features({ feeds, context }) {
      const h = feeds.history!.data;
      const n = h.length;
      const last = h[n - 1]!;
      return {
        horizon: context.horizon,
        last_value: last,
        monthly_change: last - h[n - 2]!,
        ...(n > 12 ? { yearly_change: last - h[n - 13]! } : {}),
      };
    },
    prediction(answer, features): Record<string, number> {
      const forecast = answer.forecast as { value: number }[];
      if (forecast.length < 12) return {};
      return { forecast_change_h12: forecast[11]!.value - (features.last_value as number) };
    },
  },
  batch: co2Batch,
  golden: [{ horizon: 1 }, { horizon: 12 }, {}],
  settings: co2Settings,
  observe: {
    values: {
      metric: "forecast_value_ppm",
      help: "Forecast CO2 values served, ppm",
      buckets: [300, 340, 380, 400, 410, 415, 420, 425, 430, 435, 440, 450, 460, 480, 500, 550],
      of: (answer) => (answer.forecast as { value: number }[]).map((f) => f.value),
    },
  },
  schema: {
    request: {
      type: "object",
      additionalProperties: false,
      properties: {
        horizon: {
          type: "integer",
          minimum: 1,
          default: 12,
          description: "months ahead, at most the model's serving.maxHorizon (GET /v1/models/co2-forecast)",
        },
        history: {
          type: "array",
          items: { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 10000 },
          maxItems: 10000,
          description:
            "your own monthly ppm series, oldest first: at least the model's window (the length of serving.history)",
        },
        lastMonth: {
          type: "string",
          pattern: "^\\d{4}-(0[1-9]|1[0-2])$",
          description: 'the month of the last history value, as "YYYY-MM"',
        },
      },
      dependentRequired: { history: ["lastMonth"], lastMonth: ["history"] },
      example: { horizon: 12 },
    },
    response: {
      type: "object",
      properties: {
        unit: { type: "string" },
        interval: { type: "number", description: "nominal coverage of lower..upper" },
        forecast: {
          type: "array",
          items: {
            type: "object",
            properties: {
              month: { type: "string" },
              value: { type: "number" },
              lower: { type: "number" },
              upper: { type: "number" },
            },
          },
        },
      },
    },
  },
};
