import type { ModelCard } from "@lockstep/onnx";
import { ModelError, quoted } from "../errors.js";
import type { DecodedRequest, OutputTensor, ServingAdapter } from "../spec.js";
import { monthIndex, monthLabel } from "./months.js";

interface Co2Serving {
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

const invalid = (message: string): never => {
  throw new ModelError("REQUEST_INVALID", message);
};

function servingOf(card: ModelCard): Co2Serving {
  return card.serving as unknown as Co2Serving;
}

/**
 * POST /v1/models/co2-forecast/predict
 *   {"horizon": 12}                                      forecast after the training data
 *   {"horizon": 12, "history": [...], "lastMonth": "2021-06"}   forecast after your own recent data
 */
export const co2Serving: ServingAdapter<Co2Context> = {
  decode(body: unknown, card: ModelCard): DecodedRequest<Co2Context> {
    const serving = servingOf(card);
    const window = serving.history.length;
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      return invalid('expected a JSON object like {"horizon": 12}');
    }
    const request = body as Record<string, unknown>;
    for (const key of Object.keys(request)) {
      if (!["horizon", "history", "lastMonth"].includes(key))
        invalid(`unknown field "${key}" (known: horizon, history, lastMonth)`);
    }
    const horizon = request.horizon ?? 12;
    if (
      typeof horizon !== "number" ||
      !Number.isInteger(horizon) ||
      horizon < 1 ||
      horizon > serving.maxHorizon
    ) {
      invalid(`"horizon" must be an integer from 1 to ${serving.maxHorizon}, got ${quoted(request.horizon)}`);
    }
    let history = serving.history;
    let lastMonth = serving.lastMonth;
    if (request.history !== undefined || request.lastMonth !== undefined) {
      if (!Array.isArray(request.history) || typeof request.lastMonth !== "string") {
        invalid(
          '"history" (an array of monthly ppm values) and "lastMonth" ("YYYY-MM" of its last value) go together',
        );
      }
      const values = request.history as unknown[];
      if (values.length < window || values.length > 10_000) {
        invalid(
          `"history" must hold at least ${window} (and at most 10000) monthly values, got ${values.length}`,
        );
      }
      if (!values.every((v) => typeof v === "number" && Number.isFinite(v) && v > 0 && v < 10_000)) {
        invalid('"history" must contain only positive finite ppm values');
      }
      try {
        monthIndex(request.lastMonth as string);
      } catch {
        invalid(`"lastMonth" must be a month like "2021-06", got ${quoted(request.lastMonth)}`);
      }
      history = (values as number[]).slice(values.length - window);
      lastMonth = request.lastMonth as string;
    }
    return {
      feeds: { history: { type: "float32", data: Float32Array.from(history), dims: [1, window] } },
      context: { horizon: horizon as number, lastMonth },
    };
  },

  encode(
    outputs: Record<string, OutputTensor>,
    card: ModelCard,
    context: Co2Context,
  ): Record<string, unknown> {
    const serving = servingOf(card);
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

  golden: [{ horizon: 1 }, { horizon: 12 }, {}],
  // An LSTM: one run of 64 windows costs ~14x one window, so merging concurrent requests pays.
  // But a run of 16 takes about as long as the server thread's work to answer 16 requests, so at
  // 50 connections three batches of 16 in flight beat one of 50: ~13k req/s against ~10k on 2 cores.
  batching: { enabled: true, maxBatch: 16, pipeline: 3 },
  // one window runs in ~0.08 ms: a lone client's answer is ~0.1 ms sooner without the worker hop
  inline: true,
  // one pod serving this model alone: RSS and p99 from bench/RESULTS.md (soak, serving)
  deployment: {
    requests: { cpu: "250m", memory: "256Mi" },
    limits: { cpu: "1", memory: "512Mi" },
    p99Seconds: 0.1,
  },
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
        horizon: { type: "integer", minimum: 1, maximum: 60, default: 12, description: "months ahead" },
        history: {
          type: "array",
          items: { type: "number", exclusiveMinimum: 0 },
          minItems: 60,
          maxItems: 10000,
          description: "your own monthly ppm series (at least the model's window), oldest first",
        },
        lastMonth: {
          type: "string",
          pattern: "^\\d{4}-\\d{2}$",
          description: "month of the last history value",
        },
      },
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
