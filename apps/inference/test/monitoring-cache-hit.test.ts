import { describe, expect, it } from "vitest";
import {
  batchLines,
  PredictionLog,
  type LineBatch,
  type PredictionRecord,
  type PredictionSink,
} from "@lockstep/monitor";
import { createMetrics } from "../src/metrics.js";
import type { LoadedModel } from "../src/model-registry.js";
import { Monitoring } from "../src/monitoring.js";

class Lines implements PredictionSink {
  readonly name = "lines";
  got: PredictionRecord[] = [];
  encode(record: PredictionRecord) {
    return JSON.stringify(record);
  }
  async write(batch: LineBatch) {
    this.got.push(...batchLines(batch).map((l) => JSON.parse(l) as PredictionRecord));
  }
  async close() {}
}

/** A model whose spec counts how often its prediction fields are computed. */
function countingModel() {
  const calls = { prediction: 0 };
  const monitor = {
    features: () => ({ x: 1 }),
    prediction: (answer: Record<string, unknown>) => {
      calls.prediction++;
      return { y: answer.y as number };
    },
  };
  const model = {
    name: "m",
    spec: { serving: { monitor } },
    card: {},
    pin: { version: "1", sha256: "a".repeat(64) },
  } as unknown as LoadedModel;
  return { model, calls };
}

describe("a cache hit in the prediction log", () => {
  it("computes the prediction fields of an answer the cache hands out again once, and logs them each time", async () => {
    const { model, calls } = countingModel();
    const sink = new Lines();
    const log = new PredictionLog({ sink, flushMs: 10_000 });
    const monitoring = new Monitoring(createMetrics(), () => [model], { window: 10, minCount: 5 }, log);
    const features = { x: 1 };
    const answer = { y: 2 };
    for (const id of ["a", "b", "c"]) monitoring.record(model, id, features, answer, 0.1, true);
    expect(calls.prediction).toBe(1);
    // a miss is computed afresh: its answer object is new each time
    monitoring.record(model, "d", features, { y: 3 }, 0.1, false);
    monitoring.record(model, "e", features, { y: 3 }, 0.1, false);
    expect(calls.prediction).toBe(3);
    await monitoring.close();
    expect(sink.got.map((r) => [r.requestId, r.prediction.y, r.cached])).toEqual([
      ["a", 2, true],
      ["b", 2, true],
      ["c", 2, true],
      ["d", 3, false],
      ["e", 3, false],
    ]);
  });
});
