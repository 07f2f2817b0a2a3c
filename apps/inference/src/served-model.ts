import type { CancelSignal } from "./batching/cancel-signal.js";
import type { Pin } from "@lockstep/lockfile";
import type { ModelSpec } from "@lockstep/models";
import type { ModelCard } from "@lockstep/onnx";
import { Batcher, type BatchingOptions } from "./batching/batcher.js";
import type { Tensors } from "./batching/tensors.js";
import type { Metrics } from "./metrics.js";
import type { SessionPool } from "./runtime/session-pool.js";

/** True when every input and output has a dynamic first dimension, so requests can be stacked. */
export function batchable(card: ModelCard): boolean {
  return [...card.inputs, ...card.outputs].every((t) => t.shape.length > 0 && typeof t.shape[0] !== "number");
}

/**
 * One loaded artifact: its verified pin and card, the onnxruntime session and the batcher in front
 * of it. Requests hold a lease while they use it; a retired model (replaced by a hot swap) releases
 * its session once the last lease is returned.
 */
export class ServedModel {
  readonly batcher: Batcher;
  private leases = 0;
  private retired = false;
  private released: Promise<void> | undefined;

  constructor(
    readonly name: string,
    readonly pin: Pin,
    readonly card: ModelCard,
    readonly spec: ModelSpec,
    readonly session: SessionPool,
    batching: BatchingOptions,
    metrics: Metrics,
  ) {
    const labels = { model: name };
    this.batcher = new Batcher(
      async (feeds, owned) => {
        const { outputs, ms } = await session.run(feeds, { transfer: owned });
        metrics.inferenceDuration.observe(labels, ms / 1000);
        return outputs;
      },
      { ...batching, enabled: batching.enabled && batchable(card) },
      {
        batch: (rows) => metrics.batchSize.observe(labels, rows),
        queue: (depth) => metrics.queueDepth.set(labels, depth),
      },
    );
  }

  /** Runs the model (through the batcher); the signal drops the request if its client goes away. */
  infer(feeds: Tensors, signal?: CancelSignal): Promise<Tensors> {
    return this.batcher.submit(feeds, signal);
  }

  acquire(): this {
    this.leases++;
    return this;
  }

  release(): void {
    this.leases--;
    if (this.retired && this.leases === 0) void this.close();
  }

  /** Stops taking new leases' work once replaced; the session goes when the last lease returns. */
  retire(): Promise<void> {
    this.retired = true;
    return this.leases === 0 ? this.close() : new Promise((resolve) => this.whenReleased.push(resolve));
  }

  private readonly whenReleased: (() => void)[] = [];

  close(): Promise<void> {
    this.released ??= this.session.release().finally(() => {
      for (const resolve of this.whenReleased.splice(0)) resolve();
    });
    return this.released;
  }
}
