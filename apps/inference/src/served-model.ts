import type { CancelSignal } from "./batching/cancel-signal.js";
import type { Pin } from "@lockstep/lockfile";
import type { ServableSpec } from "@lockstep/models";
import type { ModelCard } from "@lockstep/onnx";
import { BatchError, Batcher, type BatchingOptions } from "./batching/batcher.js";
import { batchRows, tensorsError, type Tensors } from "./batching/tensors.js";
import type { Metrics } from "./metrics.js";
import type { InlineSession } from "./runtime/inline-session.js";
import type { SessionPool } from "./runtime/session-pool.js";

/** True when every input and output has a dynamic first dimension, so requests can be stacked. */
export function batchable(card: ModelCard): boolean {
  return [...card.inputs, ...card.outputs].every((t) => t.shape.length > 0 && typeof t.shape[0] !== "number");
}

/** How long after two requests overlapped a lone request still goes to the worker, not inline. */
export const INLINE_QUIET_MS = 100;

/**
 * One loaded artifact: its verified pin and card, the onnxruntime session and the batcher in front
 * of it. Requests hold a lease while they use it; a retired model (replaced by a hot swap) releases
 * its session once the last lease is returned.
 *
 * A cheap model may also have an inline session on the server thread. A request runs there only
 * when no inline run is in progress and no two leases (requests) have overlapped for
 * INLINE_QUIET_MS, its own included: a client calling one request at a time then saves the worker
 * round trip, and under concurrency every request goes to the worker and its batches as before
 * (an inline run there would hold up the HTTP work of the others).
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
    readonly spec: ServableSpec,
    readonly session: SessionPool,
    batching: BatchingOptions,
    private readonly metrics: Metrics,
    private readonly inline?: InlineSession,
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

  /** When two leases last overlapped (performance.now()). */
  private lastOverlap = Number.NEGATIVE_INFINITY;
  /** Runs that went inline (for tests). */
  inlineRuns = 0;

  /**
   * Runs the model, inline when it is alone (see the class comment) or through the batcher; the
   * signal drops the request if its client goes away.
   */
  infer(feeds: Tensors, signal?: CancelSignal): Promise<Tensors> {
    const refused = tensorsError(feeds);
    if (refused) return Promise.reject(new BatchError("BAD_TENSOR", refused));
    const inline = this.inline;
    if (inline && !inline.busy && this.quiet()) return this.runInline(inline, feeds, signal);
    return this.batcher.submit(feeds, signal);
  }

  /** No two requests overlapped lately; one still in the worker or the queue holds its lease, so it counts. */
  private quiet(): boolean {
    return performance.now() - this.lastOverlap > INLINE_QUIET_MS;
  }

  private async runInline(session: InlineSession, feeds: Tensors, signal?: CancelSignal): Promise<Tensors> {
    if (signal?.aborted) throw new BatchError("CANCELLED", "the request was cancelled");
    this.inlineRuns++;
    const { outputs, ms } = await session.run(feeds);
    const labels = { model: this.name };
    this.metrics.inferenceDuration.observe(labels, ms / 1000);
    this.metrics.batchSize.observe(labels, batchRows(feeds) ?? 1);
    return outputs;
  }

  acquire(): this {
    this.leases++;
    if (this.leases > 1) this.lastOverlap = performance.now();
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
    this.released ??= Promise.all([this.session.release(), this.inline?.release()])
      .then(() => undefined)
      .finally(() => {
        for (const resolve of this.whenReleased.splice(0)) resolve();
      });
    return this.released;
  }
}
