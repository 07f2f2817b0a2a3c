import Router from "@koa/router";
import type { ResponseCache } from "./cache/response-cache.js";
import type { Metrics } from "./metrics.js";
import type { LoadedModel, ModelRegistry } from "./model-registry.js";
import { requireStatus } from "./require-model.js";

export interface RouteOptions {
  registry: ModelRegistry;
  metrics: Metrics;
  cache?: ResponseCache;
  /** False once the server is shutting down: readiness fails first so traffic moves away. */
  accepting: () => boolean;
  /** Largest answer in bytes of JSON (default 16 MiB); a request asking for more gets 413. */
  maxAnswerBytes?: number;
  /** Deepest JSON nesting accepted, a binary request's header included (default 32). */
  jsonDepth?: number;
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
    inputs: card.inputs,
    outputs: card.outputs,
    ...(card.labels ? { labels: card.labels } : {}),
    serving: card.serving ?? {},
    accepts: [
      "application/json",
      ...(model.spec.serving.accepts ?? []).map((a) => (a === "image" ? "image/*" : "multipart/form-data")),
    ],
    examples: model.spec.serving.golden,
    batching: model.batcher.options,
  };
}

export function routes({ registry, metrics, accepting }: RouteOptions): Router {
  const router = new Router();

  router.get("/healthz", (ctx) => {
    ctx.body = { status: "ok" };
  });

  router.get("/readyz", (ctx) => {
    const ready = accepting() && registry.ready();
    ctx.status = ready ? 200 : 503;
    ctx.body = { ready, ...(accepting() ? {} : { draining: true }), models: registry.statuses() };
  });

  router.get("/metrics", async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });

  router.get("/v1/models", (ctx) => {
    ctx.body = { models: registry.statuses() };
  });

  router.get("/v1/models/:name", (ctx) => {
    const status = requireStatus(registry, ctx.params.name!);
    const model = registry.get(ctx.params.name!);
    ctx.body = model ? { ...describe(model), state: status.state } : status;
  });

  return router;
}
