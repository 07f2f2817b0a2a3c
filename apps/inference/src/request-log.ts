import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Metrics } from "./metrics.js";

const REQUEST_ID = /^[\w.-]{1,128}$/;

/** The client's X-Request-Id when it is a sane token, else a fresh one. */
export function requestIdFrom(incoming: string | string[] | undefined): string {
  return typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

export interface FinishedRequest {
  /** The matched route pattern (not the raw path: label cardinality stays bounded). */
  route: string;
  method: string;
  path: string;
  status: number;
  seconds: number;
}

const QUIET_ROUTES = new Set(["/metrics", "/healthz", "/readyz"]);

/** HTTP metrics and one access-log line (probes and scrapes excepted) for a finished request. */
export function recordRequest(
  metrics: Metrics,
  log: Logger,
  requestId: string,
  request: FinishedRequest,
): void {
  const labels = { route: request.route, method: request.method, status: String(request.status) };
  metrics.httpRequests.inc(labels);
  metrics.httpDuration.observe(labels, request.seconds);
  if (!QUIET_ROUTES.has(request.route)) {
    log.info(
      {
        reqId: requestId,
        method: request.method,
        path: request.path.slice(0, 256),
        status: request.status,
        ms: request.seconds * 1000,
      },
      "request",
    );
  }
}
