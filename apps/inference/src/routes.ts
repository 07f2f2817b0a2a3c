import Router from "@koa/router";
import * as ort from "onnxruntime-node";
import { ModelError, type OutputTensor } from "@lockstep/models";
import { HttpError } from "./errors.js";
import type { Metrics } from "./metrics.js";
import type { ModelRegistry } from "./model-registry.js";
import { requireModel } from "./require-model.js";

export function routes(registry: ModelRegistry, metrics: Metrics): Router {
  const router = new Router();

  router.get("/healthz", (ctx) => {
    ctx.body = { status: "ok" };
  });

  router.get("/readyz", (ctx) => {
    const ready = registry.ready();
    ctx.status = ready ? 200 : 503;
    ctx.body = { ready, models: registry.statuses() };
  });

  router.get("/metrics", async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });

  router.get("/v1/models", (ctx) => {
    ctx.body = { models: registry.statuses() };
  });

  router.post("/v1/models/:name/predict", async (ctx) => {
    const started = process.hrtime.bigint();
    const name = ctx.params.name!;
    const model = requireModel(registry, name);
    let decoded;
    try {
      decoded = await model.spec.serving.decode((ctx.request as { body?: unknown }).body, model.card);
    } catch (error) {
      if (error instanceof ModelError) throw new HttpError(400, error.code, error.message);
      throw error;
    }
    const feeds = Object.fromEntries(
      Object.entries(decoded.feeds).map(([key, t]) => [key, new ort.Tensor(t.type, t.data, t.dims)]),
    );
    const inferenceStarted = process.hrtime.bigint();
    const outputs = await model.session.run(feeds);
    metrics.inferenceDuration.observe(
      { model: name },
      Number(process.hrtime.bigint() - inferenceStarted) / 1e9,
    );
    const answer = model.spec.serving.encode(
      outputs as Record<string, OutputTensor>,
      model.card,
      decoded.context as never,
    );
    ctx.body = {
      model: name,
      version: model.pin.version,
      sha256: model.pin.sha256,
      ...answer,
      processing_time_ms: Number(process.hrtime.bigint() - started) / 1e6,
    };
  });

  return router;
}
