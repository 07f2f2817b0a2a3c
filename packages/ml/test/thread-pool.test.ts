import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import {
  InlineRunner,
  openRunner,
  siblingModule,
  ThreadError,
  ThreadPool,
  type TaskRunner,
} from "../src/nn/index.js";

const TASKS = pathToFileURL(resolve(import.meta.dirname, "fixtures/pool-tasks.ts")).href;
const BROKEN = pathToFileURL(resolve(import.meta.dirname, "fixtures/pool-broken.ts")).href;

let open: TaskRunner[] = [];
afterEach(async () => {
  await Promise.all(open.map((r) => r.close()));
  open = [];
});
const kept = <T extends TaskRunner>(runner: T) => (open.push(runner), runner);

interface Squared {
  n: number;
  square: number;
  thread: number;
}

describe("ThreadPool", () => {
  it("runs a module's tasks on its threads, each answer to its own call, logs relayed", async () => {
    const pool = kept(new ThreadPool(TASKS, 2));
    await pool.ready();
    const logs: string[] = [];
    const results = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((n) => pool.run<Squared>("square", { n, ms: 30 }, (m) => logs.push(m))),
    );
    expect(results.map((r) => r.square)).toEqual([1, 4, 9, 16, 25, 36]);
    expect(new Set(results.map((r) => r.thread)).size).toBe(2);
    expect(results.every((r) => r.thread !== 0)).toBe(true); // never this thread
    expect(logs.sort()).toEqual([1, 2, 3, 4, 5, 6].map((n) => `squared ${n}`));
    // typed arrays come back as typed arrays, bit for bit
    const floats = await pool.run<Float32Array>("floats", { length: 5 });
    expect(floats).toBeInstanceOf(Float32Array);
    expect(Array.from(floats)).toEqual(Array.from({ length: 5 }, (_, i) => Math.fround(i / 3)));
  });

  it("gives the answers InlineRunner gives in this thread", async () => {
    const pool = kept(new ThreadPool(TASKS, 2));
    const inline = kept(new InlineRunner(TASKS));
    const ask = (runner: TaskRunner) =>
      Promise.all([7, 8, 9].map((n) => runner.run<Squared>("square", { n, ms: 1 }).then((r) => r.square)));
    expect(await ask(pool)).toEqual(await ask(inline));
  });

  it("fails a task that throws with a ThreadError naming it, and keeps serving", async () => {
    const pool = kept(new ThreadPool(TASKS, 1));
    const failed = pool.run("fail", { message: "no such month" });
    await expect(failed).rejects.toThrow(ThreadError);
    await expect(failed).rejects.toThrow(/fail failed in its thread: no such month/);
    await expect(pool.run("nope", {})).rejects.toThrow(/exports no function "nope"/);
    expect((await pool.run<Squared>("square", { n: 3, ms: 0 })).square).toBe(9);
  });

  it("fails the tasks still queued or running when it closes", async () => {
    const pool = new ThreadPool(TASKS, 1);
    // handlers attached before close() rejects them
    const running = expect(pool.run("square", { n: 1, ms: 2_000 })).rejects.toThrow(/closed/);
    const queued = expect(pool.run("square", { n: 2, ms: 0 })).rejects.toThrow(/closed/);
    await pool.close();
    await running;
    await queued;
    await expect(pool.run("square", { n: 3, ms: 0 })).rejects.toThrow(ThreadError);
  });

  it("stops threads that are still starting when it closes", async () => {
    const pool = new ThreadPool(TASKS, 2);
    await pool.close();
    await expect(pool.ready()).rejects.toThrow(/could not start: exited with code/);
    await expect(pool.run("square", { n: 1, ms: 0 })).rejects.toThrow(/closed/);
  });

  it("says when its threads cannot load the module", async () => {
    const pool = new ThreadPool(BROKEN, 2);
    await expect(pool.ready()).rejects.toThrow(/a thread could not start: this module does not load/);
    await pool.close();
  });
});

describe("openRunner", () => {
  it("opens threads, or runs in this thread for one thread or when threads cannot load", async () => {
    const pool = kept(await openRunner(TASKS, 2));
    expect(pool).toBeInstanceOf(ThreadPool);
    expect(pool.threads).toBe(2);
    expect(kept(await openRunner(TASKS, 1))).toBeInstanceOf(InlineRunner);
    const fallbacks: string[] = [];
    const fallback = kept(await openRunner(BROKEN, 2, (e) => fallbacks.push(e.message)));
    expect(fallback).toBeInstanceOf(InlineRunner);
    expect(fallbacks).toEqual([expect.stringMatching(/does not load/)]);
  });

  it("names a sibling module with the caller's extension", () => {
    expect(siblingModule("file:///a/b/fits.ts", "task")).toBe("file:///a/b/task.ts");
    expect(siblingModule("file:///a/b/fits.js", "task")).toBe("file:///a/b/task.js");
  });
});
