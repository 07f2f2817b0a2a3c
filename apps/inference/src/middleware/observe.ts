import type { Middleware } from "koa";
import type { Logger } from "pino";
import type { Metrics } from "../metrics.js";
import { recordRequest, requestIdFrom } from "../request-log.js";

/** What observe leaves in ctx.state: the request id and a logger that names it. */
export interface RequestState {
  requestId: string;
  /** The server's logger, not bound to the request: requestLogger binds it on first use. */
  baseLog: Logger;
  log?: Logger;
}

/** The request's child logger (reqId bound), made only when something logs beyond the access line. */
export function requestLogger(state: Partial<RequestState>): Logger | undefined {
  if (state.log) return state.log;
  if (!state.baseLog) return undefined;
  return (state.log = state.baseLog.child({ reqId: state.requestId }));
}

/** Request id (X-Request-Id in and out), one access-log line, and HTTP metrics (count, latency, in flight). */
export function observe(logger: Logger, metrics: Metrics): Middleware {
  return async (ctx, next) => {
    const id = requestIdFrom(ctx.req.headers["x-request-id"]);
    ctx.set("X-Request-Id", id);
    const state = ctx.state as RequestState;
    state.requestId = id;
    state.baseLog = logger;
    const started = process.hrtime.bigint();
    metrics.httpInFlight.inc();
    try {
      await next();
    } finally {
      metrics.httpInFlight.dec();
      // the matched pattern, never the raw path: a 404 or 405 on junk paths adds no series
      const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? "unmatched";
      recordRequest(metrics, logger, id, {
        route,
        method: ctx.method,
        path: ctx.path,
        status: ctx.status,
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
      });
    }
  };
}
