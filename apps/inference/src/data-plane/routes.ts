import { pathParams, type InferenceRoute } from "../route-table/route.js";
import type { InferenceHandler } from "./call.js";

export interface CompiledRoute {
  /** The route pattern, as metrics label it. */
  pattern: string;
  regex: RegExp;
  params: string[];
  handler: InferenceHandler;
}

export interface MatchedRoute {
  route: CompiledRoute;
  params: { name: string; version?: string };
}

/** The table's inference routes as matchers: as @koa/router matches, case-insensitive, an optional trailing slash. */
export function compileRoutes(routes: readonly InferenceRoute[]): CompiledRoute[] {
  return routes.map((route) => ({
    pattern: route.path,
    regex: new RegExp(`^${route.path.replace(/:\w+/g, "([^/]+)")}/?$`, "i"),
    params: pathParams(route.path),
    handler: route.handle,
  }));
}

const decode = (raw: string) => {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
};

export function matchRoute(routes: CompiledRoute[], path: string): MatchedRoute | undefined {
  for (const route of routes) {
    const match = route.regex.exec(path);
    if (!match) continue;
    const params: Record<string, string> = {};
    route.params.forEach((name, i) => (params[name] = decode(match[i + 1]!)));
    return { route, params: params as MatchedRoute["params"] };
  }
  return undefined;
}
