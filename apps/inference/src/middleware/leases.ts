import type { Middleware } from "koa";

/**
 * Returns the model leases a request took (see requireModel) once it is completely done, so a
 * hot-swapped model's old session is released only after its last request.
 */
export function leases(): Middleware {
  return async (ctx, next) => {
    const held: (() => void)[] = [];
    ctx.state.leases = held;
    try {
      await next();
    } finally {
      for (const release of held) release();
    }
  };
}
