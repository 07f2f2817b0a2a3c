import type { ParameterizedContext } from "koa";
import type { ServableSpec } from "@lockstep/models";
import type { InferenceCall, InferenceHandler } from "../inference-steps/call.js";
import type { BinaryHeadCheck } from "../inference-steps/read-body.js";

/** What a route's OpenAPI operation says (path parameters are derived from the path). */
export interface RouteDoc {
  summary: string;
  responses: Record<string, unknown>;
  requestBody?: Record<string, unknown>;
}

/** A Koa context with the matched route's path parameters. */
export type RouteContext = ParameterizedContext & { params: Record<string, string | undefined> };

/** A GET route (HEAD too): its handler sets the answer on the context. */
export interface ControlRoute {
  method: "GET";
  /** The pattern, as metrics label it: /v1/models/:name (case-insensitive, trailing slash optional) */
  path: string;
  doc: RouteDoc;
  handle(ctx: RouteContext): void | Promise<void>;
}

/** An inference route (POST): admission, a deadline and body limits run before its handler. */
export interface InferenceRoute {
  method: "POST";
  path: string;
  /** One operation for the route, or, for a per-model route, one per served model's spec. */
  doc: RouteDoc | { perModel: (spec: ServableSpec) => RouteDoc };
  handle: InferenceHandler;
  /** Checks a binary body's JSON header before its tensors are read (OIP binary extension). */
  checkBinaryHead?(params: InferenceCall["params"]): BinaryHeadCheck;
}

/** One entry of the route table: method, path, its documentation and its handler. */
export type Route = ControlRoute | InferenceRoute;

/** The path parameters of a pattern: /v2/models/:name/versions/:version → name, version. */
export const pathParams = (path: string): string[] => [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
