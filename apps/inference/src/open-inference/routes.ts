import Router from "@koa/router";
import type { ModelCard, TensorSpec } from "@lockstep/onnx";
import type { Tensors } from "../batching/tensors.js";
import type { RouteOptions } from "../routes.js";
import { requireModel, requireStatus } from "../require-model.js";
import { runModel } from "../run-model.js";
import { HttpError } from "../errors.js";
import { BINARY_HEADER, decodeBinaryRequest } from "./binary.js";
import { jsonData, oipDatatype, typedData } from "./datatypes.js";
import { parseInferRequest } from "./request.js";

export const OIP_EXTENSIONS = ["classification", "binary_tensor_data"];

const tensorMetadata = (spec: TensorSpec) => ({
  name: spec.name,
  datatype: oipDatatype(spec.type),
  shape: spec.shape.map((d) => (typeof d === "number" ? d : -1)),
});

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
 * Open Inference Protocol v2 (REST), as KServe, Triton and MLServer clients speak it: server and
 * model metadata, health, readiness and tensor-level inference with the classification extension.
 */
export function openInferenceRoutes({ registry, metrics, cache, accepting }: RouteOptions): Router {
  const router = new Router({ prefix: "/v2" });
  const both = (path: string) => [`/models/:name${path}`, `/models/:name/versions/:version${path}`];

  router.get("/", (ctx) => {
    ctx.body = { name: "lockstep-inference", version: "1", extensions: OIP_EXTENSIONS };
  });
  router.get("/health/live", (ctx) => {
    ctx.body = { live: true };
  });
  router.get("/health/ready", (ctx) => {
    const ready = accepting() && registry.ready();
    ctx.status = ready ? 200 : 503;
    ctx.body = { ready };
  });

  router.get(both(""), (ctx) => {
    const model = requireModel(registry, ctx.params.name!, ctx.params.version);
    ctx.body = {
      name: model.name,
      versions: [model.pin.version],
      platform: "onnx_onnxv1",
      inputs: model.card.inputs.map(tensorMetadata),
      outputs: model.card.outputs.map(tensorMetadata),
      parameters: { sha256: model.pin.sha256, task: model.card.task },
    };
  });

  router.get(both("/ready"), (ctx) => {
    const name = ctx.params.name!;
    const status = requireStatus(registry, name, ctx.params.version);
    const ready = accepting() && status.state === "ready";
    ctx.status = ready ? 200 : 503;
    ctx.body = { name, ready };
  });

  router.post(both("/infer"), async (ctx) => {
    const model = requireModel(registry, ctx.params.name!, ctx.params.version, ctx);
    let body = (ctx.request as { body?: unknown }).body;
    if (ctx.state.bodyKind === "binary")
      body = decodeBinaryRequest(body as Buffer, ctx.get(BINARY_HEADER), 32);
    else if (ctx.state.bodyKind !== "json") {
      throw new HttpError(
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        "send JSON, or binary tensors as application/octet-stream",
      );
    }
    const request = parseInferRequest(body, model.card);
    // the id is echoed, never part of the answer's identity
    const key = cache?.key(model.pin.sha256, "v2", { ...(body as object), id: null });
    let answer = key ? await cache!.get(model.name, key) : undefined;
    const cached = answer !== undefined;
    if (!answer) {
      const feeds: Tensors = Object.fromEntries(
        request.inputs.map((input) => [
          input.spec.name,
          { type: input.spec.type, data: typedData(input.values, input.spec.type), dims: input.shape },
        ]),
      );
      const results = await runModel(ctx, model, feeds, metrics);
      const specs = new Map(model.card.outputs.map((o) => [o.name, o]));
      answer = {
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
      };
      if (key) cache!.set(key, answer);
    }
    ctx.body = {
      model_name: model.name,
      model_version: model.pin.version,
      ...(request.id !== undefined ? { id: request.id } : {}),
      parameters: { sha256: model.pin.sha256, cached },
      outputs: answer.outputs,
    };
  });

  return router;
}
