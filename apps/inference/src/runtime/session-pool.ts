import type { Tensors } from "../batching/tensors.js";
import { WorkerSession, type RunOptions, type RunResult } from "./worker-session.js";

export interface PoolOptions {
  /** onnxruntime intra-op threads inside each session. */
  threads: number;
  /** Sessions side by side, each in its own worker thread (Triton's instance count). */
  instances: number;
}

/**
 * Copies of one model, each in its own worker thread, so runs of a compute-bound model can go side
 * by side on separate cores instead of splitting each run across threads that wait for each other
 * at every operator. A run goes to the copy with the fewest runs in flight. Whether it pays depends
 * on the cores left over by HTTP and decoding (see docs/operations.md).
 */
export class SessionPool {
  /** Runs asked of each copy and not yet answered. */
  private readonly inFlight: number[];

  private constructor(private readonly sessions: WorkerSession[]) {
    this.inFlight = sessions.map(() => 0);
  }

  /** Loads every copy; if one fails, the others are released and the failure is thrown. */
  static async create(model: Uint8Array, options: PoolOptions): Promise<SessionPool> {
    const loads = Array.from({ length: options.instances }, () =>
      WorkerSession.create(model, { threads: options.threads }),
    );
    const settled = await Promise.allSettled(loads);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    const loaded = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
    if (failed) {
      await Promise.all(loaded.map((session) => session.release()));
      throw failed.reason;
    }
    return new SessionPool(loaded);
  }

  get size(): number {
    return this.sessions.length;
  }

  /** Runs asked of each copy and not yet answered, in copy order. */
  get load(): readonly number[] {
    return this.inFlight;
  }

  async run(feeds: Tensors, options?: RunOptions): Promise<RunResult> {
    let best = 0;
    for (let i = 1; i < this.sessions.length; i++) if (this.inFlight[i]! < this.inFlight[best]!) best = i;
    this.inFlight[best]!++;
    try {
      return await this.sessions[best]!.run(feeds, options);
    } finally {
      this.inFlight[best]!--;
    }
  }

  /** Releases every copy; runs already sent finish first. */
  async release(): Promise<void> {
    await Promise.all(this.sessions.map((session) => session.release()));
  }
}
