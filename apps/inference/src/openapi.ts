import type { ServableSpec } from "@lockstep/models";
import Router from "@koa/router";
import type { ModelRegistry } from "./model-registry.js";

const json = (schema: Record<string, unknown>) => ({ "application/json": { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errorResponse = (description: string) => ({ description, content: json(ref("Error")) });
const ERRORS = {
  "400": errorResponse("invalid request (the message says what is wrong)"),
  "404": errorResponse("no such model or version"),
  "413": errorResponse("body larger than the limit for its content type"),
  "415": errorResponse("content type the endpoint does not take"),
  "503": errorResponse("model not ready, queue full or server overloaded (see Retry-After)"),
  "504": errorResponse("request timed out"),
};
const nameParam = { name: "name", in: "path", required: true, schema: { type: "string" } };
const versionParam = { name: "version", in: "path", required: true, schema: { type: "string" } };

const OIP_SCHEMAS = {
  Error: {
    type: "object",
    required: ["error"],
    properties: { error: { type: "string" }, code: { type: "string" } },
  },
  InferTensor: {
    type: "object",
    required: ["name", "shape", "datatype", "data"],
    properties: {
      name: { type: "string" },
      shape: { type: "array", items: { type: "integer", minimum: 0 } },
      datatype: {
        type: "string",
        enum: ["BOOL", "UINT8", "INT8", "INT32", "INT64", "FP32", "FP64", "BYTES"],
      },
      parameters: { type: "object" },
      data: { type: "array", description: "flat or nested in row-major order" },
    },
  },
  InferRequest: {
    type: "object",
    required: ["inputs"],
    properties: {
      id: { type: "string" },
      parameters: { type: "object" },
      inputs: { type: "array", items: ref("InferTensor") },
      outputs: {
        type: "array",
        items: {
          type: "object",
          required: ["name"],
          properties: {
            name: { type: "string" },
            parameters: {
              type: "object",
              properties: {
                classification: { type: "integer", minimum: 1, description: "top-k as score:index:label" },
              },
            },
          },
        },
      },
    },
  },
  InferResponse: {
    type: "object",
    required: ["model_name", "outputs"],
    properties: {
      model_name: { type: "string" },
      model_version: { type: "string" },
      id: { type: "string" },
      parameters: {
        type: "object",
        properties: { sha256: { type: "string" }, cached: { type: "boolean" } },
      },
      outputs: { type: "array", items: ref("InferTensor") },
    },
  },
  ModelMetadata: {
    type: "object",
    properties: {
      name: { type: "string" },
      versions: { type: "array", items: { type: "string" } },
      platform: { type: "string" },
      inputs: { type: "array", items: { type: "object" } },
      outputs: { type: "array", items: { type: "object" } },
    },
  },
};

/** The OpenAPI 3.1 document of the whole API, with each served model's domain request and answer. */
export function openApiDocument(specs: readonly ServableSpec[]): Record<string, unknown> {
  const paths: Record<string, unknown> = {
    "/healthz": { get: { summary: "Liveness", responses: { "200": { description: "alive" } } } },
    "/readyz": {
      get: {
        summary: "Readiness: every pinned model verified and loaded, not draining",
        responses: { "200": { description: "ready" }, "503": { description: "not ready or draining" } },
      },
    },
    "/metrics": {
      get: { summary: "Prometheus metrics", responses: { "200": { description: "text format" } } },
    },
    "/v1/models": {
      get: { summary: "Models served and their state", responses: { "200": { description: "ok" } } },
    },
    "/v1/models/{name}": {
      get: {
        summary: "One model: identity, card summary, accepted content types and examples",
        parameters: [nameParam],
        responses: { "200": { description: "ok" }, "404": ERRORS["404"] },
      },
    },
    "/v2": { get: { summary: "OIP server metadata", responses: { "200": { description: "ok" } } } },
    "/v2/health/live": { get: { summary: "OIP liveness", responses: { "200": { description: "live" } } } },
    "/v2/health/ready": {
      get: {
        summary: "OIP readiness",
        responses: { "200": { description: "ready" }, "503": { description: "not ready" } },
      },
    },
  };
  for (const suffix of ["", "/versions/{version}"]) {
    const parameters = suffix ? [nameParam, versionParam] : [nameParam];
    paths[`/v2/models/{name}${suffix}`] = {
      get: {
        summary: "OIP model metadata",
        parameters,
        responses: {
          "200": { description: "ok", content: json(ref("ModelMetadata")) },
          "404": ERRORS["404"],
        },
      },
    };
    paths[`/v2/models/{name}${suffix}/ready`] = {
      get: {
        summary: "OIP model readiness",
        parameters,
        responses: { "200": { description: "ready" }, "503": { description: "not ready" } },
      },
    };
    paths[`/v2/models/{name}${suffix}/infer`] = {
      post: {
        summary: "OIP inference",
        parameters,
        requestBody: { required: true, content: json(ref("InferRequest")) },
        responses: { "200": { description: "ok", content: json(ref("InferResponse")) }, ...ERRORS },
      },
    };
  }
  const schemas: Record<string, unknown> = { ...OIP_SCHEMAS };
  for (const spec of specs) {
    const { name, serving } = spec;
    const id = name.replace(/[^A-Za-z0-9]/g, "_");
    const identity = {
      model: { type: "string" },
      version: { type: "string" },
      sha256: { type: "string" },
      cached: { type: "boolean" },
      processing_time_ms: { type: "number" },
    };
    schemas[`${id}_request`] = serving.schema?.request ?? { type: "object" };
    schemas[`${id}_response`] = {
      allOf: [serving.schema?.response ?? { type: "object" }, { type: "object", properties: identity }],
    };
    const content: Record<string, unknown> = json(ref(`${id}_request`));
    if (serving.accepts?.includes("image"))
      content["image/*"] = { schema: { type: "string", format: "binary" } };
    if (serving.accepts?.includes("multipart")) {
      content["multipart/form-data"] = {
        schema: { type: "object", properties: { image: { type: "string", format: "binary" } } },
      };
    }
    paths[`/v1/models/${name}/predict`] = {
      post: {
        summary: `${name}: ${spec.description}`,
        requestBody: { required: true, content },
        responses: { "200": { description: "ok", content: json(ref(`${id}_response`)) }, ...ERRORS },
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Lockstep inference",
      version: "1",
      description:
        "Serves exactly the artifacts pinned in models.lock.json: domain endpoints under /v1 and the Open Inference Protocol v2 under /v2.",
    },
    paths,
    components: { schemas },
  };
}

export function openApiRoutes(registry: ModelRegistry): Router {
  const router = new Router();
  router.get("/openapi.json", (ctx) => {
    ctx.body = openApiDocument(registry.servable());
  });
  return router;
}
