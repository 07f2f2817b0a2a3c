import { Worker } from "node:worker_threads";
import type { Tensors } from "../batching/tensors.js";
import type { FromWorker, ToWorker, WorkerError, WorkerInit } from "./messages.js";

export class RuntimeError extends Error {
  override readonly name = "RuntimeError";
  constructor(
    readonly code: "LOAD_FAILED" | "INFERENCE_FAILED" | "RUNTIME_CRASHED" | "RELEASED",
    message: string,
  ) {
    super(message);
  }
}

export interface RunOptions {
  /**
   * Move the feeds' buffers to the worker instead of copying them: they are unusable here
   * afterwards. Only for feeds nothing else holds (a stacked batch).
   */
  transfer?: boolean;
}

export interface RunResult {
  outputs: Tensors;
  /** Milliseconds onnxruntime spent, measured in the worker. */
  ms: number;
}

/** The buffers of typed-array feeds that own all of their buffer (never a view into another). */
function movable(feeds: Tensors): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const { data } of Object.values(feeds)) {
    if (!ArrayBuffer.isView(data) || !(data.buffer instanceof ArrayBuffer)) continue;
    if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) buffers.add(data.buffer);
  }
  return [...buffers];
}

// beside this module in source, copied beside main.mjs in the bundle
const WORKER_URL = new URL("./session-worker.mjs", import.meta.url);

interface Pending {
  resolve(result: RunResult): void;
  reject(error: unknown): void;
}

/**
 * An onnxruntime session in its own worker thread, so inference never blocks the server's event
 * loop. Runs are answered in order; if the worker dies, the runs in flight fail with
 * RUNTIME_CRASHED and the next run starts a fresh worker from the same bytes.
 */
export class WorkerSession {
  private worker!: Worker;
  private started!: Promise<void>;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private released: Promise<void> | undefined;
  /** The worker died: the next run starts a fresh one. */
  private restart = false;

  private constructor(private readonly init: WorkerInit) {
    this.start();
  }

  /** Starts a worker and loads the model in it; rejects with LOAD_FAILED if onnxruntime refuses it. */
  static async create(model: Uint8Array, options: { threads: number }): Promise<WorkerSession> {
    const session = new WorkerSession({ model, threads: options.threads });
    await session.started;
    return session;
  }

  private start(): void {
    const worker = new Worker(WORKER_URL, { workerData: this.init });
    this.worker = worker;
    this.started = new Promise<void>((resolve, reject) => {
      const failed = (error: WorkerError) => reject(new RuntimeError("LOAD_FAILED", error.message));
      worker.on("message", (message: FromWorker) => {
        switch (message.type) {
          case "ready":
            return resolve();
          case "failed":
            return failed(message.error);
          case "result":
            return this.settle(message.id)?.resolve({ outputs: message.outputs as Tensors, ms: message.ms });
          case "error":
            return this.settle(message.id)?.reject(
              new RuntimeError("INFERENCE_FAILED", message.error.message),
            );
        }
      });
      worker.on("error", (error) => failed({ message: error.message }));
      worker.on("exit", (code) => {
        failed({ message: `the session worker exited (${code}) before the model loaded` });
        if (this.worker !== worker || this.released) return;
        const crash = new RuntimeError("RUNTIME_CRASHED", `the session worker exited (${code})`);
        for (const [id, run] of this.pending) {
          this.pending.delete(id);
          run.reject(crash);
        }
        this.restart = true;
      });
    });
    this.started.catch(() => undefined); // observed by create() and run()
  }

  private settle(id: number): Pending | undefined {
    const run = this.pending.get(id);
    this.pending.delete(id);
    return run;
  }

  /** Runs the model once on these feeds (copied to the worker, or moved with `transfer`). */
  async run(feeds: Tensors, options: RunOptions = {}): Promise<RunResult> {
    if (this.released) throw new RuntimeError("RELEASED", "the session was released");
    if (this.restart) {
      this.restart = false;
      this.start();
    }
    await this.started;
    const id = this.nextId++;
    return new Promise<RunResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.post({ type: "run", id, feeds }, options.transfer ? movable(feeds) : undefined);
    });
  }

  private post(message: ToWorker, transfer?: ArrayBuffer[]): void {
    this.worker.postMessage(message, transfer);
  }

  /** Frees the session and stops the worker; runs already sent finish first (the worker runs in order). */
  release(): Promise<void> {
    this.released ??= (async () => {
      const worker = this.worker;
      const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
      const loaded = await this.started.then(
        () => true,
        () => false,
      );
      if (loaded && !this.restart) this.post({ type: "release" });
      else void worker.terminate();
      await exited;
    })();
    return this.released;
  }
}
