import type { Middleware } from "koa";
import type { Logger } from "pino";
import type { Metrics } from "../metrics.js";
import { recordRequest, requestIdFrom } from "../request-log.js";

/** Request id (X-Request-Id in and out), a child logger, one access-log line, and HTTP metrics (count, latency, in flight). */
export function observe(logger: Logger, metrics: Metrics): Middleware {
  return async (ctx, next) => {
    const id = requestIdFrom(ctx.req.headers["x-request-id"]);
    ctx.set("X-Request-Id", id);
    ctx.state.requestId = id;
    ctx.state.log = logger.child({ reqId: id });
    const started = process.hrtime.bigint();
    metrics.httpInFlight.inc();
    try {
      await next();
    } finally {
      metrics.httpInFlight.dec();
      // the matched pattern, never the raw path: a 404 or 405 on junk paths adds no series
      const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? "unmatched";
      recordRequest(metrics, ctx.state.log as Logger, {
        route,
        method: ctx.method,
        path: ctx.path,
        status: ctx.status,
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
      });
    }
  };
}
