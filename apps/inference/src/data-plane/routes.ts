import { predict } from "../predict.js";
import { infer } from "../open-inference/infer.js";
import type { RouteOptions } from "../routes.js";
import type { InferenceHandler } from "./call.js";

export interface InferenceRoute {
  /** The route pattern, as metrics label it. */
  pattern: string;
  regex: RegExp;
  handler: InferenceHandler;
}

export interface MatchedRoute {
  route: InferenceRoute;
  params: { name: string; version?: string };
}

// as @koa/router matches: case-insensitive, an optional trailing slash
const segment = "([^/]+)";

/** The inference endpoints (all POST); everything else is the control plane's (Koa) business. */
export function inferenceRoutes(options: RouteOptions): InferenceRoute[] {
  const v1 = predict(options);
  const v2 = infer(options);
  return [
    {
      pattern: "/v1/models/:name/predict",
      regex: new RegExp(`^/v1/models/${segment}/predict/?$`, "i"),
      handler: v1,
    },
    {
      pattern: "/v2/models/:name/infer",
      regex: new RegExp(`^/v2/models/${segment}/infer/?$`, "i"),
      handler: v2,
    },
    {
      pattern: "/v2/models/:name/versions/:version/infer",
      regex: new RegExp(`^/v2/models/${segment}/versions/${segment}/infer/?$`, "i"),
      handler: v2,
    },
  ];
}

const decode = (raw: string) => {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
};

export function matchRoute(routes: InferenceRoute[], path: string): MatchedRoute | undefined {
  for (const route of routes) {
    const match = route.regex.exec(path);
    if (!match) continue;
    const [, name, version] = match;
    return {
      route,
      params: { name: decode(name!), ...(version === undefined ? {} : { version: decode(version) }) },
    };
  }
  return undefined;
}
