import type { Middleware } from "koa";
import { HttpError } from "../errors.js";
import type { Metrics } from "../metrics.js";

/**
 * Gives each request an AbortSignal (ctx.state.signal) that fires when the client disconnects or
 * the request runs past its deadline; past the deadline the client gets 504 at once, and queued
 * inference for it is dropped.
 */
export function deadline(timeoutMs: number, metrics: Metrics): Middleware {
  return async (ctx, next) => {
    const controller = new AbortController();
    ctx.state.signal = controller.signal;
    ctx.res.once("close", () => {
      if (!ctx.res.writableFinished) controller.abort(new Error("the client disconnected"));
    });
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort(new Error("deadline exceeded"));
        metrics.rejected.inc({ reason: "timeout" });
        reject(new HttpError(504, "REQUEST_TIMEOUT", `the request took longer than ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      await Promise.race([next(), expired]);
    } finally {
      clearTimeout(timer);
    }
  };
}
