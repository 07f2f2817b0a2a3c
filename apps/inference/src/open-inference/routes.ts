import Router from "@koa/router";
import type { TensorSpec } from "@lockstep/onnx";
import { oipDatatype } from "./datatypes.js";
import type { RouteOptions } from "../routes.js";
import { requireModel, requireStatus } from "../require-model.js";

export const OIP_EXTENSIONS = ["classification", "binary_tensor_data"];

const tensorMetadata = (spec: TensorSpec) => ({
  name: spec.name,
  datatype: oipDatatype(spec.type),
  shape: spec.shape.map((d) => (typeof d === "number" ? d : -1)),
});

/**
 * Open Inference Protocol v2 (REST), as KServe, Triton and MLServer clients speak it: server and
 * model metadata, health, readiness and tensor-level inference with the classification extension.
 */
export function openInferenceRoutes({ registry, accepting }: RouteOptions): Router {
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

  return router;
}
