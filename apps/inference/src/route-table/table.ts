import { openApiDocument } from "../openapi.js";
import { openInferenceRoutes } from "../open-inference/routes.js";
import { serverRoutes, type RouteOptions } from "../routes.js";
import { webPageRoutes } from "../web-page.js";
import type { ControlRoute, InferenceRoute, Route } from "./route.js";

/** Every route the server has, once: the Koa router, the inference path and /openapi.json all come from it. */
export function routeTable(options: RouteOptions): Route[] {
  const routes: Route[] = [...serverRoutes(options), ...openInferenceRoutes(options), ...webPageRoutes()];
  routes.push({
    method: "GET",
    path: "/openapi.json",
    doc: { summary: "This document", responses: { "200": { description: "OpenAPI 3.1" } } },
    handle: (ctx) => {
      ctx.body = openApiDocument(routes, options.registry.servable());
    },
  });
  return routes;
}

export const controlRoutes = (routes: readonly Route[]) =>
  routes.filter((r): r is ControlRoute => r.method === "GET");
export const inferencePaths = (routes: readonly Route[]) =>
  routes.filter((r): r is InferenceRoute => r.method === "POST");
