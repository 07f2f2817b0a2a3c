import { afterEach, describe, expect, it } from "vitest";
import type { ModelSpec } from "@lockstep/models";
import type { ModelCard } from "@lockstep/onnx";
import { DEFAULT_BATCHING } from "../src/batching/batcher.js";
import { Cancellation } from "../src/batching/cancel-signal.js";
import { createMetrics } from "../src/metrics.js";
import { InlineSession } from "../src/runtime/inline-session.js";
import { SessionPool } from "../src/runtime/session-pool.js";
import { RuntimeError } from "../src/runtime/worker-session.js";
import { INLINE_QUIET_MS, ServedModel } from "../src/served-model.js";
import { doubler, feeds } from "./doubler.js";

const values = (outputs: Record<string, { data: ArrayLike<unknown> }>) => Array.from(outputs.y!.data);

describe("InlineSession (a session on the server thread)", () => {
  it("answers what the worker session answers", async () => {
    const inline = await InlineSession.create(doubler());
    const pool = await SessionPool.create(doubler(), { threads: 1, instances: 1 });
    try {
      const input = Float32Array.of(1.5, -2, 3, 0);
      const [mine, theirs] = await Promise.all([inline.run(feeds(input)), pool.run(feeds(input))]);
      expect(values(mine.outputs)).toEqual([3, -4, 6, 0]);
      expect(mine.outputs.y!.dims).toEqual([2, 2]);
      expect(mine.outputs).toEqual(theirs.outputs);
      expect(mine.ms).toBeGreaterThanOrEqual(0);
    } finally {
      await Promise.all([inline.release(), pool.release()]);
    }
  });

  it("refuses a model onnxruntime cannot load with LOAD_FAILED, and a bad run with INFERENCE_FAILED", async () => {
    const refused = await InlineSession.create(new TextEncoder().encode("not a model")).catch((e) => e);
    expect(refused).toBeInstanceOf(RuntimeError);
    expect(refused.code).toBe("LOAD_FAILED");
    const inline = await InlineSession.create(doubler());
    try {
      const wrongShape = { x: { type: "float32", data: Float32Array.of(1, 2, 3), dims: [1, 3] } };
      await expect(inline.run(wrongShape)).rejects.toMatchObject({ code: "INFERENCE_FAILED" });
      const wrongType = { x: { type: "int32", data: Int32Array.of(1, 2), dims: [1, 2] } };
      await expect(inline.run(wrongType)).rejects.toMatchObject({ code: "INFERENCE_FAILED" });
      expect(values((await inline.run(feeds(Float32Array.of(1, 1)))).outputs)).toEqual([2, 2]);
    } finally {
      await inline.release();
    }
  });

  it("releases after the run in progress, then refuses runs", async () => {
    const inline = await InlineSession.create(doubler());
    const running = inline.run(feeds(Float32Array.of(4, 5)));
    const released = inline.release();
    expect(values((await running).outputs)).toEqual([8, 10]);
    await released;
    await expect(inline.run(feeds(Float32Array.of(1, 1)))).rejects.toMatchObject({ code: "RELEASED" });
    await inline.release(); // twice is harmless
  });
});

describe("ServedModel's choice between the inline session and the worker", () => {
  const card = {
    name: "doubler",
    inputs: [{ name: "x", type: "float32", shape: ["batch", 2] }],
    outputs: [{ name: "y", type: "float32", shape: ["batch", 2] }],
  } as unknown as ModelCard;
  const pin = { version: "1", sha256: "0".repeat(64), bytes: 1, uri: "file://x" } as never;
  let model: ServedModel | undefined;
  afterEach(async () => {
    await model?.close();
    model = undefined;
  });

  async function served(inline = true) {
    const metrics = createMetrics();
    const pool = await SessionPool.create(doubler(), { threads: 1, instances: 1 });
    const session = inline ? await InlineSession.create(doubler()) : undefined;
    model = new ServedModel("doubler", pin, card, {} as ModelSpec, pool, DEFAULT_BATCHING, metrics, session);
    return { model, metrics };
  }

  /** One request as the inference steps make it: a lease held around the run. */
  async function request(model: ServedModel, value: number, signal?: Cancellation) {
    model.acquire();
    try {
      return values(await model.infer(feeds(Float32Array.of(value, value)), signal));
    } finally {
      model.release();
    }
  }

  const batchCount = async (metrics: ReturnType<typeof createMetrics>) =>
    (await metrics.batchSize.get()).values.find((v) => v.metricName?.endsWith("_count"))?.value ?? 0;

  it("runs requests that come one at a time inline, and counts them like worker runs", async () => {
    const { model, metrics } = await served();
    for (let i = 1; i <= 3; i++) expect(await request(model, i)).toEqual([2 * i, 2 * i]);
    expect(model.inlineRuns).toBe(3);
    expect(await batchCount(metrics)).toBe(3);
    expect((await metrics.inferenceDuration.get()).values.length).toBeGreaterThan(0);
  });

  it("sends concurrent requests to the worker in batches, and stays off the server thread for a while after", async () => {
    const { model, metrics } = await served();
    const answers = await Promise.all([1, 2, 3, 4, 5, 6].map((v) => request(model, v)));
    expect(answers).toEqual([1, 2, 3, 4, 5, 6].map((v) => [2 * v, 2 * v]));
    // the first found the model alone; the others overlapped it and were batched on the worker
    expect(model.inlineRuns).toBeLessThanOrEqual(1);
    expect(await batchCount(metrics)).toBeLessThan(6);
    const before = model.inlineRuns;
    expect(await request(model, 7)).toEqual([14, 14]);
    expect(model.inlineRuns).toBe(before); // overlap just happened: still the worker
    await new Promise((resolve) => setTimeout(resolve, INLINE_QUIET_MS + 20));
    expect(await request(model, 8)).toEqual([16, 16]);
    expect(model.inlineRuns).toBe(before + 1);
  });

  it("sends a request to the worker while an inline run is in progress", async () => {
    const { model } = await served();
    model.acquire();
    const first = model.infer(feeds(Float32Array.of(1, 1)));
    model.release(); // the first request's lease is back, its run is not
    const second = request(model, 2);
    expect([values(await first), await second]).toEqual([
      [2, 2],
      [4, 4],
    ]);
    expect(model.inlineRuns).toBe(1);
  });

  it("drops a cancelled request before it runs inline", async () => {
    const { model } = await served();
    const cancelled = new Cancellation();
    cancelled.abort(new Error("the client disconnected"));
    await expect(request(model, 1, cancelled)).rejects.toMatchObject({ code: "CANCELLED" });
    expect(model.inlineRuns).toBe(0);
  });

  it("never runs inline without an inline session", async () => {
    const { model } = await served(false);
    expect(await request(model, 3)).toEqual([6, 6]);
    expect(model.inlineRuns).toBe(0);
  });

  it("releases the inline session with the worker's when it closes", async () => {
    const inline = await InlineSession.create(doubler());
    const pool = await SessionPool.create(doubler(), { threads: 1, instances: 1 });
    const own = new ServedModel(
      "doubler",
      pin,
      card,
      {} as ModelSpec,
      pool,
      DEFAULT_BATCHING,
      createMetrics(),
      inline,
    );
    await own.close();
    await expect(inline.run(feeds(Float32Array.of(1, 1)))).rejects.toMatchObject({ code: "RELEASED" });
    await expect(pool.run(feeds(Float32Array.of(1, 1)))).rejects.toMatchObject({ code: "RELEASED" });
  });
});
