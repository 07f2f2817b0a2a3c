import { describe, expect, it } from "vitest";
import { SessionPool } from "../src/runtime/session-pool.js";
import { RuntimeError, WorkerSession } from "../src/runtime/worker-session.js";
import { doubler, feeds } from "./doubler.js";

describe("SessionPool (copies of a model side by side)", () => {
  it("sends each run to the copy with the fewest runs in flight and answers every run its own outputs", async () => {
    const pool = await SessionPool.create(doubler(), { threads: 1, instances: 2 });
    try {
      expect(pool.size).toBe(2);
      const runs = Array.from({ length: 6 }, (_, i) => pool.run(feeds(Float32Array.of(i, -i))));
      expect(pool.load).toEqual([3, 3]);
      const results = await Promise.all(runs);
      results.forEach(({ outputs }, i) =>
        expect(Array.from(outputs.y!.data as Float32Array)).toEqual([2 * i, -2 * i]),
      );
      expect(pool.load).toEqual([0, 0]);
    } finally {
      await pool.release();
    }
  });

  it("refuses a model any copy cannot load with LOAD_FAILED", async () => {
    const error = await SessionPool.create(new TextEncoder().encode("not a model"), {
      threads: 1,
      instances: 3,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as RuntimeError).code).toBe("LOAD_FAILED");
  });

  it("releases every copy; runs already sent finish first", async () => {
    const pool = await SessionPool.create(doubler(), { threads: 1, instances: 2 });
    const pending = [pool.run(feeds(Float32Array.of(1, 1))), pool.run(feeds(Float32Array.of(2, 2)))];
    const released = pool.release();
    expect((await Promise.all(pending)).map((r) => (r.outputs.y!.data as Float32Array)[0])).toEqual([2, 4]);
    await released;
    await expect(pool.run(feeds(Float32Array.of(1, 1)))).rejects.toMatchObject({ code: "RELEASED" });
  });
});

describe("moving feeds to the worker", () => {
  it("moves buffers a feed owns whole when asked, copies them otherwise, and never moves a view into a larger buffer", async () => {
    const session = await WorkerSession.create(doubler(), { threads: 1 });
    try {
      const copied = Float32Array.of(1, 2);
      await session.run(feeds(copied));
      expect(copied.byteLength).toBe(8);

      const moved = Float32Array.of(3, 4);
      const { outputs } = await session.run(feeds(moved), { transfer: true });
      expect(Array.from(outputs.y!.data as Float32Array)).toEqual([6, 8]);
      expect(moved.byteLength).toBe(0); // detached: the worker has it now

      // e.g. a slice of a request body: moving its buffer would take the rest of the body with it
      const body = new Float32Array(8).fill(5);
      const view = body.subarray(2, 4);
      const viewed = await session.run(feeds(view), { transfer: true });
      expect(Array.from(viewed.outputs.y!.data as Float32Array)).toEqual([10, 10]);
      expect(body.byteLength).toBe(32);
    } finally {
      await session.release();
    }
  });
});
