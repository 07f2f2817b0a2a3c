import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { Cancellation } from "../batching/cancel-signal.js";
import { errorResponse } from "../error-response.js";
import { HttpError } from "../errors.js";
import type { LoadedModel } from "../model-registry.js";
import { recordRequest, requestIdFrom } from "../request-log.js";
import type { RouteOptions } from "../routes.js";
import { Admission } from "./admission.js";
import { RequestCall } from "./call.js";
import { readBody, type BodyLimits } from "./read-body.js";
import { JsonText } from "./json-text.js";
import { inferenceRoutes, matchRoute, type MatchedRoute } from "./routes.js";

export interface DataPlaneOptions extends RouteOptions {
  logger: Logger;
  bodyLimits?: BodyLimits;
  /** A request running longer than this is answered 504 and its inference dropped. */
  requestTimeoutMs: number;
  /** Inference requests in progress at once before the server sheds load with 503. */
  maxInFlight: number;
}

/** Returns true when it took the request, false for the control plane to serve it. */
export type DataPlane = (req: IncomingMessage, res: ServerResponse) => boolean;

function writeJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string>,
): void {
  const text = body instanceof JsonText ? body.text : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * The inference endpoints, served straight on node:http: they carry nearly all the traffic, and a
 * framework's per-request work (context objects, middleware promises, content negotiation) cost
 * more main-thread time than the model's own decoding. Each request goes through the same steps
 * the control plane's middleware take, in the same order: request id and access log, draining,
 * admission (503 when full), a deadline with cancellation (504; a disconnect cancels too), the
 * body by content type within its limits, the handler, errors as `{"error", "code"}`, and model
 * leases returned when it is completely done.
 */
export function createDataPlane(options: DataPlaneOptions): DataPlane {
  const routes = inferenceRoutes(options);
  const admission = new Admission(options.maxInFlight, options.metrics);
  const { metrics, requestTimeoutMs } = options;

  async function serve(req: IncomingMessage, res: ServerResponse, path: string, matched: MatchedRoute) {
    const started = process.hrtime.bigint();
    const method = req.method ?? "GET";
    const requestId = requestIdFrom(req.headers["x-request-id"]);
    const log = options.logger.child({ reqId: requestId });
    let answered = false;
    const answer = (status: number, body: unknown, headers: Record<string, string>) => {
      if (answered) return;
      answered = true;
      writeJson(res, status, body, {
        ...headers,
        "X-Request-Id": requestId,
        ...(options.accepting() ? {} : { Connection: "close" }),
      });
      recordRequest(metrics, log, {
        route: matched.route.pattern,
        method,
        path,
        status,
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
      });
    };
    const fail = (error: unknown) => {
      const { status, body, headers } = errorResponse(error, log);
      answer(status, body, headers);
    };

    if (method === "OPTIONS") {
      // as the control plane's router answers it: which methods the route takes
      answer(200, { methods: ["POST"] }, { Allow: "POST" });
      return;
    }
    if (method !== "POST") {
      fail(
        new HttpError(405, "METHOD_NOT_ALLOWED", `${method} is not allowed on ${path}`, { Allow: "POST" }),
      );
      return;
    }
    try {
      admission.enter();
    } catch (error) {
      fail(error);
      return;
    }
    const leases: LoadedModel[] = [];
    const cancellation = new Cancellation();
    res.once("close", () => {
      if (!res.writableFinished) cancellation.abort(new Error("the client disconnected"));
    });
    const timer = setTimeout(() => {
      cancellation.abort(new Error("deadline exceeded"));
      metrics.rejected.inc({ reason: "timeout" });
      fail(new HttpError(504, "REQUEST_TIMEOUT", `the request took longer than ${requestTimeoutMs} ms`));
    }, requestTimeoutMs);
    try {
      const body = await readBody(req, options.bodyLimits);
      const call = new RequestCall(matched.params, body, req, cancellation, leases);
      answer(200, await matched.route.handler(call), {});
    } catch (error) {
      fail(error);
    } finally {
      clearTimeout(timer);
      admission.leave();
      for (const model of leases) model.release();
    }
  }

  return (req, res) => {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const path = query < 0 ? url : url.slice(0, query);
    const matched = matchRoute(routes, path);
    if (!matched) return false;
    void serve(req, res, path, matched);
    return true;
  };
}
