import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { Cancellation } from "../batching/cancel-signal.js";
import { errorResponse } from "../error-response.js";
import { HttpError } from "../errors.js";
import type { LoadedModel } from "../model-registry.js";
import { recordRequest, requestIdFrom } from "../request-log.js";
import type { RouteOptions } from "../routes.js";
import { Admission, type Slot } from "./admission.js";
import { RequestCall } from "./call.js";
import { readBody, type BodyLimits } from "./read-body.js";
import { writeJson } from "./write-json.js";
import type { InferenceRoute } from "../route-table/route.js";
import { compileRoutes, matchRoute, type MatchedRoute } from "./routes.js";

export interface DataPlaneOptions extends RouteOptions {
  /** The route table's inference routes. */
  routes: readonly InferenceRoute[];
  logger: Logger;
  bodyLimits?: BodyLimits;
  /** A request running longer than this is answered 504 and its inference dropped. */
  requestTimeoutMs: number;
  /** Inference requests in progress at once before the server sheds load with 503. */
  maxInFlight: number;
  /** Of those, the most one client (remote address) may hold; 0 = no per-client cap. */
  maxInFlightPerClient?: number;
  /**
   * A body not received in full by then is answered 408 and its receiving slot given back (default:
   * the request deadline): a client trickling bytes holds a slot no longer than this.
   */
  bodyTimeoutMs?: number;
  /**
   * Request bodies being received at once (default 1024). A body in progress holds no inference
   * slot, so slow or stalled bodies cannot starve inference; this bounds them by count, the body
   * deadline by time and the body limits by size.
   */
  maxReceiving?: number;
}

/** Returns true when it took the request, false for the control plane to serve it. */
export type DataPlane = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * The inference endpoints, served straight on node:http: they carry nearly all the traffic, and a
 * framework's per-request work (context objects, middleware promises, content negotiation) cost
 * more main-thread time than the model's own decoding. Each request goes through the same steps
 * the control plane's middleware take, in the same order: request id and access log, draining,
 * a receiving slot (503 when full), a deadline with cancellation (504; a disconnect cancels too),
 * the body by content type within its limits and its own deadline (408), an inference slot (503
 * when full), the handler, errors as `{"error", "code"}`, and model leases returned when it is
 * completely done. See docs/hostile-input.md for every limit.
 */
export function createDataPlane(options: DataPlaneOptions): DataPlane {
  const routes = compileRoutes(options.routes);
  const admission = new Admission(options.maxInFlight, options.metrics, options.maxInFlightPerClient);
  const { metrics, requestTimeoutMs } = options;
  const bodyTimeoutMs = Math.min(options.bodyTimeoutMs ?? requestTimeoutMs, requestTimeoutMs);
  const receiving = new Admission(
    options.maxReceiving ?? 1024,
    options.metrics,
    options.maxInFlightPerClient,
    {
      noun: "request bodies being received",
      reason: "receiving",
    },
  );

  async function serve(req: IncomingMessage, res: ServerResponse, path: string, matched: MatchedRoute) {
    const started = process.hrtime.bigint();
    const method = req.method ?? "GET";
    const requestId = requestIdFrom(req.headers["x-request-id"]);
    const log = options.logger.child({ reqId: requestId });
    let answered = false;
    // answered before its body was read (405, 503, 408, 413): the connection is not reused
    let bodyRead = false;
    const answer = (status: number, body: unknown, headers: Record<string, string>) => {
      if (answered) return;
      answered = true;
      writeJson(res, status, body, {
        ...headers,
        "X-Request-Id": requestId,
        ...(options.accepting() && (bodyRead || req.complete) ? {} : { Connection: "close" }),
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
    const client = req.socket.remoteAddress;
    let slot: Slot;
    try {
      slot = receiving.enter(client);
    } catch (error) {
      fail(error);
      return;
    }
    const leases: LoadedModel[] = [];
    const cancellation = new Cancellation();
    res.once("close", () => {
      if (!res.writableFinished) cancellation.abort(new Error("the client disconnected"));
    });
    // a slot goes back as soon as the request is answered, in time or not: a request past its
    // deadline holds none, only its leases until the work it started settles
    const giveUp = (error: HttpError, reason: string) => {
      if (answered) return;
      cancellation.abort(new Error(error.message));
      metrics.rejected.inc({ reason });
      fail(error);
      slot.leave();
    };
    const deadline = setTimeout(
      () =>
        giveUp(
          new HttpError(504, "REQUEST_TIMEOUT", `the request took longer than ${requestTimeoutMs} ms`),
          "timeout",
        ),
      requestTimeoutMs,
    );
    const bodyDeadline = setTimeout(() => {
      if (bodyRead) return;
      giveUp(
        new HttpError(408, "BODY_TIMEOUT", `the request body did not arrive within ${bodyTimeoutMs} ms`, {
          Connection: "close",
        }),
        "body_timeout",
      );
      // the rest of the body will never be read: drop the connection once the answer is out
      res.once("finish", () => req.socket.destroy());
    }, bodyTimeoutMs);
    try {
      const body = await readBody(req, options.bodyLimits);
      bodyRead = true;
      clearTimeout(bodyDeadline);
      if (answered) return;
      // the body is in: trade the receiving slot for an inference slot (503 when all are taken)
      slot.leave();
      slot = admission.enter(client);
      const call = new RequestCall(matched.params, body, req, cancellation, leases);
      answer(200, await matched.route.handler(call), {});
    } catch (error) {
      if (error instanceof HttpError && error.code === "BODY_INCOMPLETE") {
        log.debug({ path }, "the client closed the connection before its body ended");
      }
      fail(error);
    } finally {
      clearTimeout(deadline);
      clearTimeout(bodyDeadline);
      slot.leave();
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
