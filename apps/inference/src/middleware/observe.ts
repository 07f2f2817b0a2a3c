import { randomUUID } from "node:crypto";
import type { Middleware } from "koa";
import type { Logger } from "pino";
import type { Metrics } from "../metrics.js";

/** Request id (X-Request-Id in and out), a child logger, one access-log line, and HTTP metrics. */
export function observe(logger: Logger, metrics: Metrics): Middleware {
  return async (ctx, next) => {
    const incoming = ctx.get("x-request-id");
    const id = /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    ctx.set("X-Request-Id", id);
    ctx.state.requestId = id;
    ctx.state.log = logger.child({ reqId: id });
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // the matched route pattern, not the raw path, keeps label cardinality bounded
      const route =
        (ctx as { _matchedRoute?: string })._matchedRoute ?? (ctx.status === 404 ? "unmatched" : ctx.path);
      const labels = { route, method: ctx.method, status: String(ctx.status) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, seconds);
      if (route !== "/metrics" && route !== "/healthz" && route !== "/readyz") {
        ctx.state.log.info(
          { method: ctx.method, path: ctx.path, status: ctx.status, ms: seconds * 1000 },
          "request",
        );
      }
    }
  };
}
