// The pieces of OpenAPI the route table's entries are documented with.
export const json = (schema: Record<string, unknown>) => ({ "application/json": { schema } });
export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errorResponse = (description: string) => ({ description, content: json(ref("Error")) });
export const ERRORS = {
  "400": errorResponse("invalid request (the message says what is wrong)"),
  "404": errorResponse("no such model or version"),
  "413": errorResponse("body larger than the limit for its content type"),
  "415": errorResponse("content type the endpoint does not take"),
  "503": errorResponse("model not ready, queue full or server overloaded (see Retry-After)"),
  "504": errorResponse("request timed out"),
};
export const ok = (description = "ok") => ({ "200": { description } });

/** The id a model's schemas go by in components: co2-forecast → co2_forecast. */
export const schemaId = (name: string) => name.replace(/[^A-Za-z0-9]/g, "_");

export const OIP_SCHEMAS = {
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
