import type { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { GraphBuilder } from "@lockstep/onnx";
import { RuntimeError, WorkerSession } from "../src/runtime/worker-session.js";

/** y = 2x on float32 [batch, 2]; s = Identity(strings) */
function doubler(): Uint8Array {
  const g = new GraphBuilder("doubler");
  const x = g.input({ name: "x", type: "float32", shape: ["batch", 2] });
  const two = g.initializer({ type: "float32", dims: [], values: [2] });
  g.output({ name: "y", type: "float32", shape: ["batch", 2] }, g.op("Mul", [x, two]));
  const s = g.input({ name: "s", type: "string", shape: ["batch"] });
  g.output({ name: "t", type: "string", shape: ["batch"] }, g.op("Identity", [s]));
  return g.build({ opsets: { "": 17 } });
}

const feeds = (values: number[], strings: string[]) => ({
  x: { type: "float32", data: Float32Array.from(values), dims: [values.length / 2, 2] },
  s: { type: "string", data: strings, dims: [strings.length] },
});

const workerOf = (session: WorkerSession) => (session as unknown as { worker: Worker }).worker;

describe("WorkerSession (onnxruntime in a worker thread)", () => {
  it("runs concurrent requests in order and answers each its own outputs, strings included", async () => {
    const session = await WorkerSession.create(doubler(), { threads: 1 });
    try {
      const runs = await Promise.all(
        Array.from({ length: 20 }, (_, i) => session.run(feeds([i, -i, i / 2, 1], [`a${i}`, "é😀"]))),
      );
      runs.forEach(({ outputs, ms }, i) => {
        expect(Array.from(outputs.y!.data as Float32Array)).toEqual([2 * i, -2 * i, i, 2]);
        expect(outputs.y!.dims).toEqual([2, 2]);
        expect(outputs.t!.data).toEqual([`a${i}`, "é😀"]);
        expect(ms).toBeGreaterThanOrEqual(0);
      });
    } finally {
      await session.release();
    }
  });

  it("refuses bytes onnxruntime cannot load with LOAD_FAILED and leaves no worker behind", async () => {
    const error = await WorkerSession.create(new TextEncoder().encode("not a model"), { threads: 1 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as RuntimeError).code).toBe("LOAD_FAILED");
  });

  it("fails a bad run with INFERENCE_FAILED and keeps serving the next", async () => {
    const session = await WorkerSession.create(doubler(), { threads: 1 });
    try {
      const wrongShape = {
        ...feeds([1, 2], ["a"]),
        x: { type: "float32", data: Float32Array.of(1, 2, 3), dims: [1, 3] },
      };
      await expect(session.run(wrongShape)).rejects.toMatchObject({ code: "INFERENCE_FAILED" });
      const { outputs } = await session.run(feeds([1, 2], ["a"]));
      expect(Array.from(outputs.y!.data as Float32Array)).toEqual([2, 4]);
    } finally {
      await session.release();
    }
  });

  it("fails runs in flight when the worker dies, then starts a fresh worker for the next run", async () => {
    const session = await WorkerSession.create(doubler(), { threads: 1 });
    try {
      const first = workerOf(session);
      // the run is sent to a worker that is already going: it can never be answered
      const killed = first.terminate();
      const inFlight = session.run(feeds([1, 2], ["a"]));
      await killed;
      await expect(inFlight).rejects.toMatchObject({ code: "RUNTIME_CRASHED" });
      const { outputs } = await session.run(feeds([3, 4], ["b"]));
      expect(Array.from(outputs.y!.data as Float32Array)).toEqual([6, 8]);
      expect(workerOf(session)).not.toBe(first);
    } finally {
      await session.release();
    }
  });

  it("lets runs already sent finish before the release, and refuses runs after it", async () => {
    const session = await WorkerSession.create(doubler(), { threads: 1 });
    const pending = Array.from({ length: 5 }, (_, i) => session.run(feeds([i, i], ["x"])));
    const released = session.release();
    const results = await Promise.all(pending);
    expect(results.map((r) => (r.outputs.y!.data as Float32Array)[0])).toEqual([0, 2, 4, 6, 8]);
    await released;
    await expect(session.run(feeds([1, 1], ["x"]))).rejects.toMatchObject({ code: "RELEASED" });
    expect(workerOf(session).threadId).toBe(-1); // exited
  });
});
