import * as ort from "onnxruntime-node";
import type { Tensors } from "../batching/tensors.js";
import { RuntimeError, type RunResult } from "./worker-session.js";

/**
 * An onnxruntime session on the server thread, for a model whose runs take a fraction of a
 * millisecond: a lone request then skips the hop to a worker thread and back (two thread
 * wake-ups, about as long as the run itself). A run blocks the event loop while it lasts, so
 * ServedModel uses it only when nothing else is asking for the model.
 */
export class InlineSession {
  private released = false;
  /** The run in progress: release waits for it. */
  private running: Promise<unknown> | undefined;

  private constructor(private readonly session: ort.InferenceSession) {}

  /** A run is in progress (from the call of run until it settles). */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Loads the model on this thread; rejects with LOAD_FAILED if onnxruntime refuses it. */
  static async create(model: Uint8Array): Promise<InlineSession> {
    try {
      return new InlineSession(
        await ort.InferenceSession.create(model, {
          intraOpNumThreads: 1,
          extra: { session: { intra_op: { allow_spinning: "0" } } },
        }),
      );
    } catch (error) {
      throw new RuntimeError("LOAD_FAILED", (error as Error).message);
    }
  }

  async run(feeds: Tensors): Promise<RunResult> {
    if (this.released) throw new RuntimeError("RELEASED", "the session was released");
    const tensors: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      tensors[name] = new ort.Tensor(t.type as never, t.data as never, t.dims);
    }
    const started = performance.now();
    let outputs: ort.InferenceSession.ReturnType;
    const running = this.session.run(tensors);
    this.running = running;
    try {
      outputs = await running;
    } catch (error) {
      throw new RuntimeError("INFERENCE_FAILED", (error as Error).message);
    } finally {
      this.running = undefined;
    }
    const ms = performance.now() - started;
    const result: Tensors = {};
    for (const [name, t] of Object.entries(outputs)) {
      result[name] = { type: t.type, data: t.data, dims: t.dims };
    }
    return { outputs: result, ms };
  }

  /** Frees the session once the run in progress, if any, has finished. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.running?.catch(() => undefined);
    await this.session.release();
  }
}
