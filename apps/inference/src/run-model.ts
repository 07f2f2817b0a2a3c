import type { CancelSignal } from "./batching/cancel-signal.js";
import { BatchError } from "./batching/batcher.js";
import type { Tensors } from "./batching/tensors.js";
import { HttpError } from "./errors.js";
import type { Metrics } from "./metrics.js";
import type { LoadedModel } from "./model-registry.js";

/** Runs a model for a request (cancelled with it), turning batcher refusals into HTTP answers. */
export async function runModel(model: LoadedModel, feeds: Tensors, signal: CancelSignal, metrics: Metrics) {
  try {
    return await model.infer(feeds, signal);
  } catch (error) {
    if (!(error instanceof BatchError)) throw error;
    if (error.code === "QUEUE_FULL") {
      metrics.rejected.inc({ reason: "queue_full" });
      throw new HttpError(503, "QUEUE_FULL", `model "${model.name}" is busy: ${error.message}`, {
        "Retry-After": "1",
      });
    }
    if (error.code === "CANCELLED") throw new HttpError(503, "CANCELLED", error.message);
    throw new HttpError(400, error.code, error.message);
  }
}
