import type { ServableSpec } from "@lockstep/models";
import { OIP_SCHEMAS, schemaId } from "./route-table/docs.js";
import { pathParams, type Route } from "./route-table/route.js";

const IDENTITY = {
  model: { type: "string" },
  version: { type: "string" },
  sha256: { type: "string" },
  cached: { type: "boolean" },
  processing_time_ms: { type: "number" },
};

/** OpenAPI writes :name as {name}. */
const openApiPath = (path: string) => path.replace(/:(\w+)/g, "{$1}");

/**
 * The OpenAPI 3.1 document of the route table: one operation per entry (a per-model entry once
 * for each served model's spec, with its request and answer schemas), nothing written by hand.
 */
export function openApiDocument(
  routes: readonly Route[],
  specs: readonly ServableSpec[],
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const operation = (path: string, method: string, doc: object) => {
    const parameters = pathParams(path).map((name) => ({
      name,
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    (paths[openApiPath(path)] ??= {})[method.toLowerCase()] = {
      ...doc,
      ...(parameters.length > 0 ? { parameters } : {}),
    };
  };
  for (const route of routes) {
    if ("perModel" in route.doc) {
      for (const spec of specs)
        operation(route.path.replace(":name", spec.name), route.method, route.doc.perModel(spec));
    } else {
      operation(route.path, route.method, route.doc);
    }
  }
  const schemas: Record<string, unknown> = { ...OIP_SCHEMAS };
  for (const { name, serving } of specs) {
    schemas[`${schemaId(name)}_request`] = serving.schema.request;
    schemas[`${schemaId(name)}_response`] = {
      allOf: [serving.schema.response, { type: "object", properties: IDENTITY }],
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
