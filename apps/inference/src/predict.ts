import {
  decodeRequest,
  encodeAnswer,
  ModelError,
  type MonitorValue,
  type OutputTensor,
} from "@lockstep/models";
import type { Tensors } from "./batching/tensors.js";
import { cachedAnswer, type CachedAnswer } from "./cache/cached-answer.js";
import type { InferenceHandler } from "./inference-steps/call.js";
import { joinJson } from "./inference-steps/json-text.js";
import { checkAnswerSize } from "./answer-size.js";
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
export function predict(options: RouteOptions): InferenceHandler {
  const { registry, metrics, cache, monitoring } = options;
  const { maxAnswerBytes } = options.config;
  return async (call) => {
    const started = process.hrtime.bigint();
    const { name } = call.params;
    const model = requireModel(registry, name, undefined, call.lease);
    const { serving } = model.spec;
    if (
      call.bodyKind !== "json" &&
      !serving.settings.accepts?.includes(call.bodyKind as "image" | "multipart")
    ) {
      throw new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", `model "${name}" takes JSON requests only`);
    }
    const key =
      cache &&
      (call.bytes
        ? cache.keyOfJson(model.pin.sha256, "v1", call.bytes, () => call.body)
        : cache.key(model.pin.sha256, "v1", call.body));
    let entry: CachedAnswer | undefined = key ? await cache!.get(name, key) : undefined;
    const cached = entry !== undefined;
    let features: Record<string, MonitorValue> | undefined = entry?.features;
    if (!entry) {
      let decoded;
      try {
        decoded = await decodeRequest(serving, call.body, model.card);
      } catch (error) {
        if (error instanceof ModelError) throw new HttpError(400, error.code, error.message);
        throw error;
      }
      features = monitoring?.features(model, decoded);
      let outputs: Tensors;
      try {
        outputs = await runModel(model, decoded.feeds as Tensors, call.signal, metrics);
      } finally {
        decoded.release?.();
      }
      entry = cachedAnswer(
        encodeAnswer(serving, outputs as Record<string, OutputTensor>, model.card, decoded.context),
        features,
      );
      checkAnswerSize(entry, maxAnswerBytes);
      if (key) cache!.set(key, entry);
    }
    observeAnswer(metrics, model, entry.answer);
    const ms = elapsedMs(started);
    monitoring?.record(model, call.requestId, features, entry.answer, ms, cached);
    // a JSON body by its bytes (never parsed for this); an image's bytes are its body
    const json = call.bodyKind === "json";
    monitoring?.sample(
      model,
      call.requestId,
      `/v1/models/${name}/predict`,
      json,
      json ? call.bytes : call.body,
    );
    return joinJson({ model: name, version: model.pin.version, sha256: model.pin.sha256 }, entry.json, {
      cached,
      processing_time_ms: ms,
    });
  };
}
