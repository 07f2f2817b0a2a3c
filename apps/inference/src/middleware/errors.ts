import type { Middleware } from "koa";
import { errorResponse } from "../error-response.js";
import { HttpError } from "../errors.js";
import { requestLogger } from "./observe.js";

/** Turns every error into its JSON error answer (see errorResponse), 404 and 405 included. */
export function errorHandler(): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      // an inference route wrote its own answer, errors included
      if (ctx.respond === false) return;
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new HttpError(404, "NOT_FOUND", `no route for ${ctx.method} ${ctx.path}`);
      }
      // a path served under other methods (the table router set Allow)
      if (ctx.status === 405 && ctx.body === undefined) {
        throw new HttpError(405, "METHOD_NOT_ALLOWED", `${ctx.method} is not allowed on ${ctx.path}`);
      }
    } catch (error) {
      const answer = errorResponse(error, requestLogger(ctx.state));
      ctx.status = answer.status;
      ctx.set(answer.headers);
      ctx.body = answer.body;
    }
  };
}
