import type { Middleware, ParameterizedContext } from "koa";
import { pathParams, type InferenceRoute, type Route, type RouteContext } from "./route.js";

interface CompiledRoute {
  route: Route;
  regex: RegExp;
  params: string[];
  run: Middleware;
}

const decode = (raw: string) => {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
};

/**
 * The route table as one Koa middleware: the entry whose path and method match runs (GET also
 * answers HEAD), with `ctx.params` and the pattern metrics label it by; a path served under other
 * methods answers OPTIONS with Allow and anything else 405 with Allow; no path, 404. Patterns
 * match case-insensitively with an optional trailing slash. One regex per entry and no
 * per-request composition: this path carries every inference request.
 */
export function tableRouter(
  routes: readonly Route[],
  inference: (route: InferenceRoute) => Middleware,
): Middleware {
  const compiled: CompiledRoute[] = routes.map((route) => ({
    route,
    regex: new RegExp(`^${route.path.replace(/:\w+/g, "([^/]+)")}/?$`, "i"),
    params: pathParams(route.path),
    run: route.method === "GET" ? (ctx) => route.handle(ctx as RouteContext) : inference(route),
  }));
  return (ctx, next) => {
    const path = ctx.path;
    const method = ctx.method === "HEAD" ? "GET" : ctx.method;
    let allowed: string[] | undefined;
    for (const entry of compiled) {
      const match = entry.regex.exec(path);
      if (!match) continue;
      if (entry.route.method !== method) {
        (allowed ??= []).push(entry.route.method);
        continue;
      }
      const params: Record<string, string> = {};
      for (let i = 0; i < entry.params.length; i++) params[entry.params[i]!] = decode(match[i + 1]!);
      setMatched(ctx, entry.route.path, params);
      return entry.run(ctx, next);
    }
    if (!allowed) return next();
    const allow = [...new Set(allowed.flatMap((m) => (m === "GET" ? ["GET", "HEAD"] : [m])))].join(", ");
    ctx.set("Allow", allow);
    if (ctx.method === "OPTIONS") {
      ctx.status = 200;
      ctx.body = "";
    } else ctx.status = 405;
  };
}

function setMatched(ctx: ParameterizedContext, pattern: string, params: Record<string, string>) {
  ctx.params = params;
  // what observe labels the request's metrics by: the pattern, never the raw path
  (ctx as { _matchedRoute?: string })._matchedRoute = pattern;
}
