import type { Middleware } from "koa";
import { HttpError } from "../errors.js";
import type { Metrics } from "../metrics.js";

/**
 * Caps the inference requests (POSTs) in progress; beyond the cap the server sheds load at once
 * with 503 + Retry-After rather than queueing without bound. Health, metrics and metadata GETs
 * are never shed, so probes keep answering under load.
 */
export function admission(maxInFlight: number, metrics: Metrics): Middleware {
  let inFlight = 0;
  return async (ctx, next) => {
    if (ctx.method !== "POST") return next();
    if (inFlight >= maxInFlight) {
      metrics.rejected.inc({ reason: "overloaded" });
      throw new HttpError(503, "OVERLOADED", `the server is at its limit of ${maxInFlight} requests`, {
        "Retry-After": "1",
      });
    }
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
    }
  };
}
