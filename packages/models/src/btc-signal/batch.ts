import { readDataUri } from "@lockstep/data";
import { rocAucOvr } from "@lockstep/ml";
import { ModelError } from "../errors.js";
import type { BatchAdapter, BatchRow } from "../serving-adapter.js";
import { parseCandles } from "./candles.js";
import { LOOKBACK } from "./features.js";
import { CLASSES, tripleBarrierLabel } from "./labels.js";
import type { BtcServing } from "./serving.js";

/**
 * New candles as signals: one request per bar after the training data (its last LOOKBACK candles);
 * its truth is the triple-barrier label once the bars past it have reached a barrier or the horizon.
 */
export const btcBatch: BatchAdapter<BtcServing> = {
  async rows(uri, card, io) {
    const bytes = await readDataUri(uri, { baseDir: io.baseDir, env: io.env, maxBytes: 256 * 1024 * 1024 });
    const { candles, intervalMs } = parseCandles(bytes.toString("utf8"), uri);
    // each request is a bar with the LOOKBACK candles up to it: fewer make no request at all
    if (candles.length < LOOKBACK)
      throw new ModelError(
        "DATA_INVALID",
        `${uri}: need at least ${LOOKBACK} candles, got ${candles.length}: each request is a bar with the ${LOOKBACK} candles up to it, so the data must start ${LOOKBACK - 1} bars before the first bar to judge`,
      );
    // other bars than the model's: its features and horizon would span another time, its truth another label
    if (intervalMs !== card.serving.intervalMs)
      throw new ModelError(
        "DATA_INVALID",
        `${uri}: the candles are ${intervalMs / 60_000} minutes apart; the model was trained on ${card.serving.intervalMs / 60_000}-minute candles`,
      );
    const trainedThrough = card.serving.lastCandle ? Date.parse(card.serving.lastCandle) : -Infinity;
    const rows: BatchRow[] = [];
    for (let i = LOOKBACK - 1; i < candles.length; i++) {
      const bar = candles[i]!;
      if (bar.time <= trainedThrough) continue;
      const label = tripleBarrierLabel(candles, i, card.serving.barriers, intervalMs);
      const time = new Date(bar.time).toISOString();
      rows.push({
        id: time,
        time,
        request: {
          candles: candles
            .slice(i + 1 - LOOKBACK, i + 1)
            .map((c) => [c.time, c.open, c.high, c.low, c.close, c.volume]),
        },
        ...(label !== undefined ? { truth: CLASSES[label] } : {}),
      });
    }
    return rows;
  },
  realised: {
    metric: "auc_ovr_weighted",
    goal: "maximize",
    score(rows) {
      const truth = rows.map((r) => CLASSES.indexOf(r.truth as (typeof CLASSES)[number]));
      const probabilities = rows.map((r) =>
        CLASSES.map((c) => (r.answer.probabilities as Record<string, number>)[c] ?? 0),
      );
      try {
        return rocAucOvr(truth, probabilities, "weighted");
      } catch {
        return undefined; // one class alone: AUC is undefined
      }
    },
    period: (time) => time.slice(0, 7),
  },
};
