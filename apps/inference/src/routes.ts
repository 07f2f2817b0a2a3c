import Router from "@koa/router";
import { ModelError, type OutputTensor } from "@lockstep/models";
import type { ResponseCache } from "./cache/response-cache.js";
import type { Tensors } from "./batching/tensors.js";
import { HttpError } from "./errors.js";
import type { Metrics } from "./metrics.js";
import type { LoadedModel, ModelRegistry } from "./model-registry.js";
import { observeAnswer } from "./observe-answer.js";
import { requireModel, requireStatus } from "./require-model.js";
import { runModel } from "./run-model.js";

export interface RouteOptions {
  registry: ModelRegistry;
  metrics: Metrics;
  cache?: ResponseCache;
  /** False once the server is shutting down: readiness fails first so traffic moves away. */
  accepting: () => boolean;
}

const elapsedMs = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e6;

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

export function routes({ registry, metrics, cache, accepting }: RouteOptions): Router {
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

  router.post("/v1/models/:name/predict", async (ctx) => {
    const started = process.hrtime.bigint();
    const name = ctx.params.name!;
    const model = requireModel(registry, name, undefined, ctx);
    const { serving } = model.spec;
    const kind = ctx.state.bodyKind as string;
    if (kind !== "json" && !serving.accepts?.includes(kind as "image" | "multipart")) {
      throw new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", `model "${name}" takes JSON requests only`);
    }
    const body = (ctx.request as { body?: unknown }).body;
    const key = cache?.key(model.pin.sha256, "v1", body);
    let answer = key ? await cache!.get(name, key) : undefined;
    const cached = answer !== undefined;
    if (!answer) {
      let decoded;
      try {
        decoded = await serving.decode(body, model.card);
      } catch (error) {
        if (error instanceof ModelError) throw new HttpError(400, error.code, error.message);
        throw error;
      }
      const outputs = await runModel(ctx, model, decoded.feeds as Tensors, metrics);
      answer = serving.encode(outputs as Record<string, OutputTensor>, model.card, decoded.context as never);
      if (key) cache!.set(key, answer);
    }
    observeAnswer(metrics, model, answer);
    ctx.body = {
      model: name,
      version: model.pin.version,
      sha256: model.pin.sha256,
      ...answer,
      cached,
      processing_time_ms: elapsedMs(started),
    };
  });

  return router;
}
