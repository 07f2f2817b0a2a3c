import { readDataUri } from "@lockstep/data";
import { mape } from "@lockstep/ml";
import type { BatchAdapter, BatchRow } from "../serving-adapter.js";
import { parseCo2Csv } from "./data.js";
import { monthIndex, monthLabel } from "./months.js";
import type { Co2Serving } from "./serving.js";

/** The forecast horizon the gate metric (mape_h12) scores. */
const HORIZON = 12;

interface Co2Truth {
  /** Actual values of the forecast months, in order; null where the month has not arrived. */
  actual: (number | null)[];
}

/**
 * New monthly data as forecasts: one origin per month from the end of the training data to the
 * end of the new data, each forecasting 12 months from the `window` months before it; the months
 * that have arrived since are its truth.
 */
export const co2Batch: BatchAdapter<Co2Serving> = {
  async rows(uri, card, io) {
    const bytes = await readDataUri(uri, { baseDir: io.baseDir, env: io.env, maxBytes: 32 * 1024 * 1024 });
    const series = parseCo2Csv(bytes.toString("utf8"), uri);
    const window = card.serving.history.length;
    const start = monthIndex(series.start);
    const end = start + series.values.length - 1;
    const first = Math.max(monthIndex(card.serving.lastMonth), start + window - 1);
    const horizon = Math.min(HORIZON, card.serving.maxHorizon);
    const rows: BatchRow[] = [];
    for (let origin = first; origin <= end; origin++) {
      const at = origin - start;
      const actual = Array.from({ length: horizon }, (_, h) => series.values[at + 1 + h] ?? null);
      rows.push({
        id: monthLabel(origin),
        time: `${monthLabel(origin)}-01T00:00:00.000Z`,
        request: {
          horizon,
          history: series.values.slice(at + 1 - window, at + 1),
          lastMonth: monthLabel(origin),
        },
        ...(actual.some((v) => v !== null) ? { truth: { actual } satisfies Co2Truth } : {}),
      });
    }
    return rows;
  },
  realised: {
    metric: "mape_h12",
    goal: "minimize",
    score(rows) {
      const actual: number[] = [];
      const predicted: number[] = [];
      for (const { answer, truth } of rows) {
        const forecast = answer.forecast as { value: number }[];
        (truth as Co2Truth).actual.forEach((value, h) => {
          if (value !== null && forecast[h]) {
            actual.push(value);
            predicted.push(forecast[h].value);
          }
        });
      }
      return actual.length ? mape(actual, predicted) : undefined;
    },
    // a year of origins per point: monthly MAPE over 12 months would mostly be one origin's noise
    period: (time) => time.slice(0, 4),
  },
};
