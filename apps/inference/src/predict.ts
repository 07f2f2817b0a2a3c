import { ModelError, type OutputTensor } from "@lockstep/models";
import type { Tensors } from "./batching/tensors.js";
import type { InferenceHandler } from "./data-plane/call.js";
import { HttpError } from "./errors.js";
import { observeAnswer } from "./observe-answer.js";
import { requireModel } from "./require-model.js";
import type { RouteOptions } from "./routes.js";
import { runModel } from "./run-model.js";

const elapsedMs = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e6;

/**
 * POST /v1/models/{name}/predict: the model's domain endpoint. Its spec decodes the request
 * (JSON, or an image where the model takes one) and encodes the answer; every answer says which
 * artifact gave it and how long it took.
 */
export function predict({ registry, metrics, cache }: RouteOptions): InferenceHandler {
  return async (call) => {
    const started = process.hrtime.bigint();
    const { name } = call.params;
    const model = requireModel(registry, name, undefined, call.lease);
    const { serving } = model.spec;
    if (call.bodyKind !== "json" && !serving.accepts?.includes(call.bodyKind as "image" | "multipart")) {
      throw new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", `model "${name}" takes JSON requests only`);
    }
    const key = cache?.key(model.pin.sha256, "v1", call.body);
    let answer = key ? await cache!.get(name, key) : undefined;
    const cached = answer !== undefined;
    if (!answer) {
      let decoded;
      try {
        decoded = await serving.decode(call.body, model.card);
      } catch (error) {
        if (error instanceof ModelError) throw new HttpError(400, error.code, error.message);
        throw error;
      }
      let outputs: Tensors;
      try {
        outputs = await runModel(model, decoded.feeds as Tensors, call.signal, metrics);
      } finally {
        decoded.release?.();
      }
      answer = serving.encode(outputs as Record<string, OutputTensor>, model.card, decoded.context as never);
      if (key) cache!.set(key, answer);
    }
    observeAnswer(metrics, model, answer);
    return {
      model: name,
      version: model.pin.version,
      sha256: model.pin.sha256,
      ...answer,
      cached,
      processing_time_ms: elapsedMs(started),
    };
  };
}
