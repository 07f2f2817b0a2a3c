import type { Middleware } from "koa";
import { HttpError } from "../errors.js";

/**
 * Turns every error into `{"error": "...", "code": "..."}` with its status. Client errors say what
 * was wrong; anything unexpected is logged with its stack and answered with a generic 500.
 */
export function errorHandler(): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new HttpError(404, "NOT_FOUND", `no route for ${ctx.method} ${ctx.path}`);
      }
      if (ctx.status === 405 && ctx.body === undefined) {
        throw new HttpError(405, "METHOD_NOT_ALLOWED", `${ctx.method} is not allowed on ${ctx.path}`);
      }
    } catch (error) {
      if (error instanceof HttpError) {
        ctx.status = error.status;
        ctx.set(error.headers);
        ctx.body = { error: error.message, code: error.code };
        return;
      }
      const status = (error as { status?: number }).status;
      if (typeof status === "number" && status >= 400 && status < 500) {
        ctx.status = status;
        ctx.body = { error: (error as Error).message, code: "BAD_REQUEST" };
        return;
      }
      ctx.state.log?.error({ err: error }, "unhandled error");
      ctx.status = 500;
      ctx.body = { error: "internal server error", code: "INTERNAL" };
    }
  };
}
