import type { FeedTensor } from "@lockstep/models";
import type { ModelCard } from "@lockstep/onnx";
import type { Tensors } from "../batching/tensors.js";
import { cachedAnswer, type CachedAnswer } from "../cache/cached-answer.js";
import type { InferenceHandler } from "../inference-steps/call.js";
import { joinJson } from "../inference-steps/json-text.js";
import { HttpError } from "../errors.js";
import { requireModel } from "../require-model.js";
import type { RouteOptions } from "../routes.js";
import { runModel } from "../run-model.js";
import { BINARY_HEADER, decodeBinaryRequest } from "./binary.js";
import { jsonData, oipDatatype } from "./datatypes.js";
import { answerElements, parseInferRequest } from "./request.js";
import { checkAnswerSize } from "../answer-size.js";
import { ANSWER_BYTES_PER_ELEMENT, refuseLargeAnswer } from "./answer-estimate.js";

/** "score:index:label" for the k best scores of each row (the classification extension). */
function classify(data: ArrayLike<number>, dims: readonly number[], k: number, card: ModelCard) {
  const width = dims.at(-1) ?? 1;
  const rows = data.length / width;
  const take = Math.min(k, width);
  const out: string[] = [];
  for (let r = 0; r < rows; r++) {
    const order = Array.from({ length: width }, (_, i) => i).sort(
      (a, b) => data[r * width + b]! - data[r * width + a]!,
    );
    for (const i of order.slice(0, take)) {
      const label = card.labels?.[i];
      out.push(`${data[r * width + i]}:${i}${label === undefined ? "" : `:${label}`}`);
    }
  }
  return { shape: [...dims.slice(0, -1), take], data: out };
}

/**
 * POST /v2/models/{name}[/versions/{version}]/infer: Open Inference Protocol tensor inference,
 * JSON or binary tensor data, with the outputs filter and the classification extension.
 */
export function infer(options: RouteOptions): InferenceHandler {
  const { registry, metrics, cache, monitoring } = options;
  const { maxAnswerBytes, bodyLimits } = options.config;
  return async (call) => {
    const started = process.hrtime.bigint();
    const model = requireModel(registry, call.params.name, call.params.version, call.lease);
    let body = call.body;
    const binary = call.bodyKind === "binary" ? (body as Buffer) : undefined;
    if (binary) body = decodeBinaryRequest(binary, call.header(BINARY_HEADER), bodyLimits.jsonDepth);
    else if (call.bodyKind !== "json") {
      throw new HttpError(
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        "send JSON, or binary tensors as application/octet-stream",
      );
    }
    const request = parseInferRequest(body, model.card);
    const elements = answerElements(request, model.card);
    refuseLargeAnswer(elements, maxAnswerBytes);
    // the answer's memory is held against the in-flight budget before the model runs (503 when full)
    call.reserve(elements * ANSWER_BYTES_PER_ELEMENT, "the answer");
    // the id is echoed, never part of the answer's identity (binary requests: keyed by their bytes)
    const key = cache?.key(model.pin.sha256, "v2", binary ?? { ...(body as object), id: null });
    let entry: CachedAnswer | undefined = key ? await cache!.get(model.name, key) : undefined;
    const cached = entry !== undefined;
    const feeds: Tensors = Object.fromEntries(
      request.inputs.map((input) => [
        input.spec.name,
        { type: input.spec.type, data: input.data, dims: input.shape },
      ]),
    );
    const logged = monitoring?.tensorFeatures(model, feeds as Record<string, FeedTensor>);
    if (!entry) {
      const results = await runModel(model, feeds, call.signal, metrics);
      const specs = new Map(model.card.outputs.map((o) => [o.name, o]));
      entry = cachedAnswer({
        outputs: request.outputs.map((wanted) => {
          const tensor = results[wanted.name]!;
          if (wanted.classification !== undefined) {
            const top = classify(
              tensor.data as ArrayLike<number>,
              tensor.dims,
              wanted.classification,
              model.card,
            );
            return { name: wanted.name, datatype: "BYTES", ...top };
          }
          const element = specs.get(wanted.name)!.type;
          return {
            name: wanted.name,
            datatype: oipDatatype(element),
            shape: [...tensor.dims],
            data: jsonData(tensor.data, element),
          };
        }),
      });
      checkAnswerSize(entry, maxAnswerBytes);
      if (key) cache!.set(key, entry);
    }
    if (logged)
      monitoring!.recordRows(
        model,
        call.requestId,
        logged,
        Number(process.hrtime.bigint() - started) / 1e6,
        cached,
      );
    return joinJson(
      {
        model_name: model.name,
        model_version: model.pin.version,
        ...(request.id !== undefined ? { id: request.id } : {}),
        parameters: { sha256: model.pin.sha256, cached },
      },
      entry.json,
    );
  };
}
