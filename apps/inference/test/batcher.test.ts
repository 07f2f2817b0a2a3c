import { describe, expect, it } from "vitest";
import { Batcher, BatchError, DEFAULT_BATCHING, type BatchingOptions } from "../src/batching/batcher.js";
import { Cancellation } from "../src/batching/cancel-signal.js";
import { batchRows, concatBatch, splitBatch, type Tensors } from "../src/batching/tensors.js";

const row = (values: number[], name = "x"): Tensors => ({
  [name]: { type: "float32", data: Float32Array.from(values), dims: [1, values.length] },
});

/** A model that doubles its input, records every run's batch size and can be held or made to fail. */
function fakeModel() {
  const runs: number[] = [];
  let gate: Promise<void> = Promise.resolve();
  let open: () => void = () => {};
  const model = {
    runs,
    hold() {
      gate = new Promise((resolve) => (open = resolve));
    },
    release: () => open(),
    failWhen: (_feeds: Tensors) => false,
    async run(feeds: Tensors): Promise<Tensors> {
      runs.push(feeds.x!.dims[0]!);
      await gate;
      if (model.failWhen(feeds)) throw new Error("bad input in batch");
      const x = feeds.x!.data as Float32Array;
      return { y: { type: "float32", data: x.map((v) => v * 2), dims: feeds.x!.dims } };
    },
  };
  return model;
}

const options = (overrides: Partial<BatchingOptions> = {}): BatchingOptions => ({
  ...DEFAULT_BATCHING,
  ...overrides,
});
const values = (t: Tensors) => Array.from(t.y!.data as Float32Array);

describe("batch tensors", () => {
  it("stacks along the batch dimension and splits back by rows", () => {
    const stacked = concatBatch([row([1, 2]), row([3, 4]), row([5, 6])]);
    expect(stacked.x!.dims).toEqual([3, 2]);
    expect(Array.from(stacked.x!.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    const parts = splitBatch(stacked, [1, 2]);
    expect(parts[1]!.x!.dims).toEqual([2, 2]);
    expect(Array.from(parts[1]!.x!.data as Float32Array)).toEqual([3, 4, 5, 6]);
    const strings = concatBatch([
      { s: { type: "string", data: ["a"], dims: [1] } },
      { s: { type: "string", data: ["b"], dims: [1] } },
    ]);
    expect(strings.s!.data).toEqual(["a", "b"]);
    expect(
      batchRows({
        a: { type: "float32", data: [], dims: [2, 1] },
        b: { type: "float32", data: [], dims: [3] },
      }),
    ).toBe(undefined);
  });

  it("refuses to split an output without the batch dimension", () => {
    expect(() => splitBatch({ y: { type: "float32", data: [1], dims: [1] } }, [1, 1])).toThrow(
      /1 rows for a batch of 2/,
    );
  });
});

describe("micro-batcher", () => {
  it("merges requests that arrive while a run is in flight, and answers each with its own rows", async () => {
    const model = fakeModel();
    const batcher = new Batcher((f) => model.run(f), options({ maxBatch: 8 }));
    model.hold();
    const first = batcher.submit(row([1, 1]));
    const rest = [2, 3, 4, 5].map((v) => batcher.submit(row([v, v])));
    expect(batcher.depth).toBe(4);
    model.release();
    expect(values(await first)).toEqual([2, 2]);
    expect((await Promise.all(rest)).map(values)).toEqual([
      [4, 4],
      [6, 6],
      [8, 8],
      [10, 10],
    ]);
    expect(model.runs).toEqual([1, 4]); // an idle model runs at once; the rest shared one run
  });

  it("caps a run at maxBatch rows and never merges different shapes", async () => {
    const model = fakeModel();
    const batcher = new Batcher((f) => model.run(f), options({ maxBatch: 3 }));
    model.hold();
    const all = [batcher.submit(row([0]))];
    for (let i = 1; i <= 5; i++) all.push(batcher.submit(row([i])));
    all.push(batcher.submit(row([7, 7]))); // another trailing shape waits for its own run
    model.release();
    await Promise.all(all);
    expect(model.runs).toEqual([1, 3, 2, 1]);
  });

  it("runs one request per run when batching is off, with the concurrency allowed", async () => {
    const model = fakeModel();
    const batcher = new Batcher((f) => model.run(f), options({ enabled: false, concurrency: 2 }));
    model.hold();
    const all = [1, 2, 3, 4].map((v) => batcher.submit(row([v])));
    expect(batcher.inFlight).toBe(2);
    model.release();
    await Promise.all(all);
    expect(model.runs).toEqual([1, 1, 1, 1]);
  });

  it("waits up to maxWaitMs for company when asked to", async () => {
    const model = fakeModel();
    const batcher = new Batcher((f) => model.run(f), options({ maxBatch: 4, maxWaitMs: 30 }));
    const a = batcher.submit(row([1]));
    await new Promise((r) => setTimeout(r, 5));
    const b = batcher.submit(row([2]));
    await Promise.all([a, b]);
    expect(model.runs).toEqual([2]);
  });

  it("drops a request cancelled while queued and does not poison the others", async () => {
    const model = fakeModel();
    const batcher = new Batcher((f) => model.run(f), options());
    model.hold();
    const first = batcher.submit(row([1]));
    const controller = new AbortController();
    const cancelled = batcher.submit(row([2]), controller.signal);
    const kept = batcher.submit(row([3]));
    controller.abort();
    await expect(cancelled).rejects.toMatchObject({ code: "CANCELLED" });
    expect(batcher.depth).toBe(1);
    model.release();
    expect(values(await first)).toEqual([2]);
    expect(values(await kept)).toEqual([6]);
    expect(model.runs).toEqual([1, 1]);
  });

  it("keeps the batch's other answers when a request is cancelled mid-run", async () => {
    const model = fakeModel();
    const batcher = new Batcher((f) => model.run(f), options());
    model.hold();
    const first = batcher.submit(row([1]));
    const controller = new AbortController();
    const a = batcher.submit(row([2]), controller.signal);
    const b = batcher.submit(row([3]));
    model.release();
    model.hold(); // the next run (a and b together) waits here
    await first;
    while (model.runs.length < 2) await new Promise((r) => setTimeout(r, 1));
    controller.abort(); // a and b are already running together
    model.release();
    expect(values(await b)).toEqual([6]);
    expect(values(await a)).toEqual([4]); // its rows were computed anyway; the server discards them
  });

  it("re-runs a failed merged batch one by one so only the bad request fails", async () => {
    const model = fakeModel();
    const batcher = new Batcher((f) => model.run(f), options());
    model.failWhen = (feeds) => Array.from(feeds.x!.data as Float32Array).includes(-1);
    model.hold();
    const first = batcher.submit(row([1]));
    const good = batcher.submit(row([2]));
    const bad = batcher.submit(row([-1]));
    model.release();
    await first;
    expect(values(await good)).toEqual([4]);
    await expect(bad).rejects.toThrow(/bad input/);
    expect(model.runs).toEqual([1, 2, 1, 1]);
  });

  it("says which feeds it stacked itself (may be moved to the runtime) and which a request still owns", async () => {
    const model = fakeModel();
    const owned: boolean[] = [];
    const batcher = new Batcher((f, mine) => {
      owned.push(mine);
      return model.run(f);
    }, options());
    model.failWhen = (feeds) => Array.from(feeds.x!.data as Float32Array).includes(-1);
    model.hold();
    const alone = batcher.submit(row([1]));
    const merged = [batcher.submit(row([2])), batcher.submit(row([-1]))];
    model.release();
    await alone;
    await Promise.allSettled(merged);
    // the lone request's own feeds; the stacked batch; then the retries on each request's own feeds
    expect(owned).toEqual([false, true, false, false]);
  });

  it("sheds requests beyond maxQueue and refuses inputs that disagree on the batch", async () => {
    const model = fakeModel();
    const batcher = new Batcher((f) => model.run(f), options({ maxQueue: 2 }));
    model.hold();
    const running = batcher.submit(row([1]));
    const queued = [batcher.submit(row([2])), batcher.submit(row([3]))];
    await expect(batcher.submit(row([4]))).rejects.toMatchObject({ code: "QUEUE_FULL" });
    const mismatch = {
      a: { type: "float32", data: new Float32Array(2), dims: [2, 1] },
      b: { type: "float32", data: new Float32Array(3), dims: [3, 1] },
    };
    await expect(batcher.submit(mismatch)).rejects.toBeInstanceOf(BatchError);
    model.release();
    await Promise.all([running, ...queued]);
  });
});

describe("request cancellation", () => {
  it("calls each listener once on abort, never after removal, and not at all for a late listener", () => {
    const cancellation = new Cancellation();
    const calls: string[] = [];
    const kept = () => calls.push("kept");
    const removed = () => calls.push("removed");
    cancellation.addEventListener("abort", kept);
    cancellation.addEventListener("abort", removed);
    cancellation.removeEventListener("abort", removed);
    cancellation.abort(new Error("the client disconnected"));
    cancellation.abort(new Error("again"));
    cancellation.addEventListener("abort", () => calls.push("late"));
    expect(calls).toEqual(["kept"]);
    expect(cancellation.aborted).toBe(true);
    expect(cancellation.reason?.message).toBe("the client disconnected");
  });

  it("takes a queued request out of the batcher when it is cancelled", async () => {
    const model = fakeModel();
    const batcher = new Batcher((f) => model.run(f), options({ maxBatch: 8 }));
    model.hold();
    const first = batcher.submit(row([1, 1]));
    const cancellation = new Cancellation();
    const cancelled = batcher.submit(row([2, 2]), cancellation);
    const kept = batcher.submit(row([3, 3]));
    cancellation.abort(new Error("the client disconnected"));
    await expect(cancelled).rejects.toMatchObject({ code: "CANCELLED" });
    expect(batcher.depth).toBe(1);
    model.release();
    expect(values(await first)).toEqual([2, 2]);
    expect(values(await kept)).toEqual([6, 6]);
    expect(model.runs).toEqual([1, 1]);
  });
});
