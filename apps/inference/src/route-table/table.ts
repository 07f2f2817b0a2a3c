import { openApiDocument } from "../openapi.js";
import { openInferenceRoutes } from "../open-inference/routes.js";
import { serverRoutes, type RouteOptions } from "../routes.js";
import { runsRoutes } from "../runs-routes.js";
import { webPageRoutes } from "../web-page.js";
import type { Route } from "./route.js";

/** Every route the server has, once: the Koa router and /openapi.json both come from it. */
export function routeTable(options: RouteOptions): Route[] {
  const routes: Route[] = [
    ...serverRoutes(options),
    ...openInferenceRoutes(options),
    ...runsRoutes(options),
    ...webPageRoutes(),
  ];
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
