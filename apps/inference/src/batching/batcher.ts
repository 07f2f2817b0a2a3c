import type { CancelSignal } from "./cancel-signal.js";
import { batchRows, batchSignature, concatBatch, splitBatch, type Tensors } from "./tensors.js";

export interface BatchingOptions {
  /** Merge concurrent requests into one run; off = one request per run. */
  enabled: boolean;
  /** Most rows in one run. */
  maxBatch: number;
  /**
   * How long a partial batch may wait for company while a run slot is free. 0 (the default) runs
   * at once: requests then batch only while a run is in flight, so an idle server adds no latency.
   */
  maxWaitMs: number;
  /** Requests waiting beyond this are shed with QUEUE_FULL (the server answers 503). */
  maxQueue: number;
  /** onnxruntime runs in flight at once for this model. */
  concurrency: number;
}

export const DEFAULT_BATCHING: BatchingOptions = {
  enabled: true,
  maxBatch: 32,
  maxWaitMs: 0,
  maxQueue: 256,
  concurrency: 1,
};

export class BatchError extends Error {
  override readonly name = "BatchError";
  constructor(
    readonly code: "QUEUE_FULL" | "CANCELLED" | "BAD_BATCH" | "BAD_TENSOR",
    message: string,
  ) {
    super(message);
  }
}

export interface BatcherHooks {
  /** A run started with this many rows from this many requests. */
  batch?(rows: number, requests: number): void;
  /** Requests waiting changed. */
  queue?(depth: number): void;
}

interface Item {
  feeds: Tensors;
  rows: number;
  signature: string;
  enqueued: number;
  signal?: CancelSignal;
  onAbort?: () => void;
  resolve(outputs: Tensors): void;
  reject(error: unknown): void;
}

/**
 * Queues requests for one model and runs them in batches: same-signature requests are stacked
 * along the batch dimension, run once, and each gets its own rows back. A request cancelled while
 * queued leaves the queue; one cancelled mid-run simply has its rows dropped. If a merged run
 * fails, its requests are re-run one by one so a single bad request cannot fail the others.
 */
export class Batcher {
  private readonly queue: Item[] = [];
  private running = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** `owned`: the feeds were stacked by the batcher, so nothing else holds them (they may be moved). */
    private readonly run: (feeds: Tensors, owned: boolean) => Promise<Tensors>,
    readonly options: BatchingOptions,
    private readonly hooks: BatcherHooks = {},
  ) {}

  get depth(): number {
    return this.queue.length;
  }

  get inFlight(): number {
    return this.running;
  }

  submit(feeds: Tensors, signal?: CancelSignal): Promise<Tensors> {
    const rows = batchRows(feeds);
    if (rows === undefined || rows < 1) {
      return Promise.reject(new BatchError("BAD_BATCH", "inputs disagree on the batch dimension"));
    }
    if (signal?.aborted) return Promise.reject(new BatchError("CANCELLED", "the request was cancelled"));
    if (this.queue.length >= this.options.maxQueue) {
      return Promise.reject(
        new BatchError("QUEUE_FULL", `${this.queue.length} requests are already waiting for this model`),
      );
    }
    return new Promise<Tensors>((resolve, reject) => {
      const item: Item = {
        feeds,
        rows,
        signature: batchSignature(feeds),
        enqueued: performance.now(),
        signal,
        resolve,
        reject,
      };
      if (signal) {
        item.onAbort = () => {
          const index = this.queue.indexOf(item);
          if (index < 0) return; // already running: its rows are dropped when the run ends
          this.queue.splice(index, 1);
          this.hooks.queue?.(this.queue.length);
          reject(new BatchError("CANCELLED", "the request was cancelled while queued"));
        };
        signal.addEventListener("abort", item.onAbort, { once: true });
      }
      this.queue.push(item);
      this.hooks.queue?.(this.queue.length);
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.options.concurrency && this.queue.length > 0) {
      const head = this.queue[0]!;
      const limit = this.options.enabled ? this.options.maxBatch : 1;
      const taken: Item[] = [];
      let rows = 0;
      for (const item of this.queue) {
        if (taken.length > 0 && (item.signature !== head.signature || rows + item.rows > limit)) continue;
        taken.push(item);
        rows += item.rows;
        if (rows >= limit) break;
      }
      const waited = performance.now() - head.enqueued;
      if (rows < limit && this.options.enabled && waited < this.options.maxWaitMs) {
        this.timer ??= setTimeout(
          () => {
            this.timer = undefined;
            this.pump();
          },
          Math.max(0, this.options.maxWaitMs - waited),
        );
        return;
      }
      // usually the batch is the head of the queue; otherwise take its items out one by one
      if (this.queue[taken.length - 1] === taken.at(-1)) this.queue.splice(0, taken.length);
      else for (const item of taken) this.queue.splice(this.queue.indexOf(item), 1);
      for (const item of taken) {
        if (item.onAbort) item.signal!.removeEventListener("abort", item.onAbort);
      }
      this.hooks.queue?.(this.queue.length);
      this.running++;
      void this.dispatch(taken).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async dispatch(items: Item[]): Promise<void> {
    this.hooks.batch?.(
      items.reduce((sum, item) => sum + item.rows, 0),
      items.length,
    );
    try {
      const outputs = await this.run(concatBatch(items.map((item) => item.feeds)), items.length > 1);
      const parts = splitBatch(
        outputs,
        items.map((item) => item.rows),
      );
      items.forEach((item, i) => item.resolve(parts[i]!));
    } catch (error) {
      if (items.length === 1) {
        items[0]!.reject(error);
        return;
      }
      for (const item of items) {
        if (item.signal?.aborted) {
          item.reject(new BatchError("CANCELLED", "the request was cancelled"));
          continue;
        }
        await this.run(item.feeds, false).then(item.resolve, item.reject);
      }
    }
  }
}
