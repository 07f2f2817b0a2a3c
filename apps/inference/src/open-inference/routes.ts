import type { TensorSpec } from "@lockstep/onnx";
import { oipDatatype } from "./datatypes.js";
import type { RouteOptions } from "../routes.js";
import { requireModel, requireStatus } from "../require-model.js";
import { ERRORS, json, ok, ref } from "../route-table/docs.js";
import type { Route } from "../route-table/route.js";
import { binaryHeadCheck } from "./binary-head.js";
import { infer as inferHandler } from "./infer.js";

export const OIP_EXTENSIONS = ["classification", "binary_tensor_data"];

const tensorMetadata = (spec: TensorSpec) => ({
  name: spec.name,
  datatype: oipDatatype(spec.type),
  shape: spec.shape.map((d) => (typeof d === "number" ? d : -1)),
});

const VERSIONED = ["/v2/models/:name", "/v2/models/:name/versions/:version"];

/**
 * Open Inference Protocol v2 (REST), as KServe, Triton and MLServer clients speak it: server and
 * model metadata, health, readiness and tensor-level inference with the classification extension.
 */
export function openInferenceRoutes(options: RouteOptions): Route[] {
  const { registry, accepting } = options;
  const infer = inferHandler(options);
  const checkBinaryHead = binaryHeadCheck(registry, {
    jsonDepth: options.config.bodyLimits.jsonDepth,
    maxAnswerBytes: options.config.maxAnswerBytes,
  });
  const routes: Route[] = [
    {
      method: "GET",
      path: "/v2",
      doc: { summary: "OIP server metadata", responses: ok() },
      handle: (ctx) => {
        ctx.body = { name: "lockstep-inference", version: "1", extensions: OIP_EXTENSIONS };
      },
    },
    {
      method: "GET",
      path: "/v2/health/live",
      doc: { summary: "OIP liveness", responses: ok("live") },
      handle: (ctx) => {
        ctx.body = { live: true };
      },
    },
    {
      method: "GET",
      path: "/v2/health/ready",
      doc: { summary: "OIP readiness", responses: { ...ok("ready"), "503": { description: "not ready" } } },
      handle: (ctx) => {
        const ready = accepting() && registry.ready();
        ctx.status = ready ? 200 : 503;
        ctx.body = { ready };
      },
    },
  ];
  for (const base of VERSIONED) {
    routes.push(
      {
        method: "GET",
        path: base,
        doc: {
          summary: "OIP model metadata",
          responses: {
            "200": { description: "ok", content: json(ref("ModelMetadata")) },
            "404": ERRORS["404"],
          },
        },
        handle: (ctx) => {
          const model = requireModel(registry, ctx.params.name!, ctx.params.version);
          ctx.body = {
            name: model.name,
            versions: [model.pin.version],
            platform: "onnx_onnxv1",
            inputs: model.card.inputs.map(tensorMetadata),
            outputs: model.card.outputs.map(tensorMetadata),
            parameters: { sha256: model.pin.sha256, task: model.card.task },
          };
        },
      },
      {
        method: "GET",
        path: `${base}/ready`,
        doc: {
          summary: "OIP model readiness",
          responses: { ...ok("ready"), "503": { description: "not ready" } },
        },
        handle: (ctx) => {
          const name = ctx.params.name!;
          const status = requireStatus(registry, name, ctx.params.version);
          const ready = accepting() && status.state === "ready";
          ctx.status = ready ? 200 : 503;
          ctx.body = { name, ready };
        },
      },
      {
        method: "POST",
        path: `${base}/infer`,
        doc: {
          summary: "OIP inference",
          requestBody: { required: true, content: json(ref("InferRequest")) },
          responses: { "200": { description: "ok", content: json(ref("InferResponse")) }, ...ERRORS },
        },
        handle: infer,
        checkBinaryHead,
      },
    );
  }
  return routes;
}
