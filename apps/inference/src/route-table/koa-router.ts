import Router from "@koa/router";
import type { ControlRoute } from "./route.js";

/** The table's GET routes on one @koa/router (case-insensitive, trailing slash optional). */
export function koaRouter(routes: readonly ControlRoute[]): Router {
  const router = new Router();
  for (const route of routes) router.get(route.path, (ctx) => route.handle(ctx));
  return router;
}
