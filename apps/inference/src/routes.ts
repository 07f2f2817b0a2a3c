import type { ServableSpec } from "@lockstep/models";
import type { OpenStoreOptions } from "@lockstep/store";
import type { ResponseCache } from "./cache/response-cache.js";
import type { ServerConfig } from "./config.js";
import type { Monitoring } from "./monitoring.js";
import type { Metrics } from "./metrics.js";
import { formatHeadline } from "@lockstep/models";
import type { LoadedModel, ModelRegistry } from "./model-registry.js";
import { predict } from "./predict.js";
import { requireStatus } from "./require-model.js";
import { ERRORS, json, ok, ref, schemaId } from "./route-table/docs.js";
import type { Route, RouteDoc } from "./route-table/route.js";

export interface RouteOptions {
  registry: ModelRegistry;
  metrics: Metrics;
  cache?: ResponseCache;
  /** False once the server is shutting down: readiness fails first so traffic moves away. */
  accepting: () => boolean;
  /** Read here: maxAnswerBytes (a request asking for more gets 413), bodyLimits.jsonDepth. */
  config: ServerConfig;
  /** The prediction log and online drift (none: nothing recorded). */
  monitoring?: Monitoring;
  /** How the runs pages open the served pins' stores (relative file:// URIs resolve against baseDir). */
  storeOptions?: OpenStoreOptions;
}

/** What a client may learn about a served model: its card without training internals. */
function describe(model: LoadedModel) {
  const { card } = model;
  return {
    name: model.name,
    version: model.pin.version,
    sha256: model.pin.sha256,
    task: card.task,
    description: card.description,
    metrics: card.metrics,
    // the pinned metrics a reader looks at first, each beside its baselines
    headline: (model.spec.headline?.(card) ?? []).map((line) => ({ ...line, text: formatHeadline(line) })),
    inputs: card.inputs,
    outputs: card.outputs,
    ...(card.labels ? { labels: card.labels } : {}),
    serving: card.serving ?? {},
    accepts: [
      "application/json",
      ...(model.spec.serving.settings.accepts ?? []).map((a) =>
        a === "image" ? "image/*" : "multipart/form-data",
      ),
    ],
    examples: model.spec.serving.golden,
    batching: model.batcher.options,
  };
}

/** The server's own routes and the domain endpoint, as route table entries. */
export function serverRoutes(options: RouteOptions): Route[] {
  const { registry, metrics, accepting } = options;
  return [
    {
      method: "GET",
      path: "/healthz",
      doc: { summary: "Liveness", responses: ok("alive") },
      handle: (ctx) => {
        ctx.body = { status: "ok" };
      },
    },
    {
      method: "GET",
      path: "/readyz",
      doc: {
        summary: "Readiness: every pinned model verified and loaded, not draining",
        responses: { ...ok("ready"), "503": { description: "not ready or draining" } },
      },
      handle: (ctx) => {
        const ready = accepting() && registry.ready();
        ctx.status = ready ? 200 : 503;
        ctx.body = { ready, ...(accepting() ? {} : { draining: true }), models: registry.statuses() };
      },
    },
    {
      method: "GET",
      path: "/metrics",
      doc: { summary: "Prometheus metrics", responses: ok("text format") },
      handle: async (ctx) => {
        ctx.type = metrics.registry.contentType;
        ctx.body = await metrics.registry.metrics();
      },
    },
    {
      method: "GET",
      path: "/v1/models",
      doc: { summary: "Models served and their state", responses: ok() },
      handle: (ctx) => {
        ctx.body = { models: registry.statuses() };
      },
    },
    {
      method: "GET",
      path: "/v1/models/:name",
      doc: {
        summary: "One model: identity, card summary, accepted content types and examples",
        responses: { ...ok(), "404": ERRORS["404"] },
      },
      handle: (ctx) => {
        const status = requireStatus(registry, ctx.params.name!);
        const model = registry.get(ctx.params.name!);
        ctx.body = model ? { ...describe(model), state: status.state } : status;
      },
    },
    {
      method: "POST",
      path: "/v1/models/:name/predict",
      doc: { perModel: predictDoc },
      handle: predict(options),
    },
  ];
}

/** A model's domain endpoint: its own request schema and content types, its answer with the identity. */
function predictDoc(spec: ServableSpec): RouteDoc {
  const id = schemaId(spec.name);
  const content: Record<string, unknown> = json(ref(`${id}_request`));
  if (spec.serving.settings.accepts?.includes("image"))
    content["image/*"] = { schema: { type: "string", format: "binary" } };
  if (spec.serving.settings.accepts?.includes("multipart"))
    content["multipart/form-data"] = {
      schema: { type: "object", properties: { image: { type: "string", format: "binary" } } },
    };
  return {
    summary: `${spec.name}: ${spec.description}`,
    requestBody: { required: true, content },
    responses: { "200": { description: "ok", content: json(ref(`${id}_response`)) }, ...ERRORS },
  };
}
