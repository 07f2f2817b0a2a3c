import type { Middleware, ParameterizedContext } from "koa";
import type { Logger } from "pino";
import { Cancellation } from "../batching/cancel-signal.js";
import { errorResponse } from "../error-response.js";
import { HttpError } from "../errors.js";
import type { Metrics } from "../metrics.js";
import type { LoadedModel } from "../model-registry.js";
import type { InferenceRoute } from "../route-table/route.js";
import { Admission, type Slot } from "./admission.js";
import { ByteBudget } from "./byte-budget.js";
import { RequestCall, type InferenceCall } from "./call.js";
import type { ServerConfig } from "../config.js";
import { readBody } from "./read-body.js";
import { requestLogger } from "../middleware/observe.js";
import { writeJson } from "./write-json.js";

export interface InferenceStepOptions {
  metrics: Metrics;
  /** False once the server is draining: answers close their connection. */
  accepting: () => boolean;
  /**
   * Read here: the body limits, the request deadline (504), the body deadline (408; never past the
   * request's), inference slots (maxInFlight, per client too) and receiving slots (maxReceiving: a
   * body in progress holds no inference slot, so stalled bodies cannot starve inference).
   */
  config: ServerConfig;
}

/**
 * The steps an inference route's handler runs inside, after the Koa steps every route shares
 * (request id, access log and metrics, errors, security headers, routing): a receiving slot (503
 * when full), a deadline with cancellation (504; a disconnect cancels too), the body by content
 * type within its limits and its own deadline (408), an inference slot (503 when full), the
 * handler, its answer written straight to the socket (a deadline answers while the work still
 * runs), and model leases returned when the work is completely done. See docs/hostile-input.md.
 */
export function inferenceSteps(options: InferenceStepOptions): (route: InferenceRoute) => Middleware {
  const { metrics, config } = options;
  const { requestTimeoutMs } = config;
  const admission = new Admission(config.maxInFlight, metrics, config.maxInFlightPerClient);
  const bodyTimeoutMs = Math.min(config.bodyTimeoutMs, requestTimeoutMs);
  const receiving = new Admission(config.maxReceiving, metrics, config.maxInFlightPerClient, {
    noun: "request bodies being received",
    reason: "receiving",
  });
  const bytes = new ByteBudget(config.maxInFlightBytes, metrics);

  return (route) => (ctx) => {
    // the answer is written here, not by Koa: a 504 goes out while the handler still runs
    ctx.respond = false;
    const exchange = new Exchange(ctx, options.accepting);
    // the chain (access log, metrics) goes on once answered; leases wait for the work itself
    run(exchange, ctx.params as InferenceCall["params"], route).catch((error: unknown) =>
      exchange.fail(error),
    );
    return exchange.answered;
  };

  async function run(exchange: Exchange, params: InferenceCall["params"], route: InferenceRoute) {
    const { req, res } = exchange.ctx;
    const client = req.socket.remoteAddress;
    let slot: Slot;
    try {
      slot = receiving.enter(client);
    } catch (error) {
      exchange.fail(error);
      return;
    }
    const leases: LoadedModel[] = [];
    // the request's bytes (body, expected answer) count against the budget until its work settles
    const reservation = bytes.open();
    const cancellation = new Cancellation();
    res.once("close", () => {
      if (!res.writableFinished) cancellation.abort(new Error("the client disconnected"));
    });
    // a slot goes back as soon as the request is answered, in time or not: a request past its
    // deadline holds none, only its leases until the work it started settles
    const giveUp = (error: HttpError, reason: string) => {
      if (exchange.done) return;
      cancellation.abort(new Error(error.message));
      metrics.rejected.inc({ reason });
      exchange.fail(error);
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
      if (exchange.bodyRead) return;
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
      const checkHead = route.checkBinaryHead && (() => route.checkBinaryHead!(params));
      const body = await readBody(req, config.bodyLimits, reservation, checkHead);
      exchange.bodyRead = true;
      clearTimeout(bodyDeadline);
      if (exchange.done) return;
      // the body is in: trade the receiving slot for an inference slot (503 when all are taken)
      slot.leave();
      slot = admission.enter(client);
      const call = new RequestCall(
        params,
        body,
        req,
        cancellation,
        leases,
        String(exchange.ctx.state.requestId),
        reservation,
      );
      exchange.answer(200, await route.handle(call), {});
    } catch (error) {
      if (error instanceof HttpError && error.code === "BODY_INCOMPLETE") {
        exchange.log?.debug(
          { path: exchange.ctx.path },
          "the client closed the connection before its body ended",
        );
      }
      exchange.fail(error);
    } finally {
      clearTimeout(deadline);
      clearTimeout(bodyDeadline);
      slot.leave();
      reservation.release();
      for (const model of leases) model.release();
    }
  }
}

/** One request's answer, written once: the first of the handler, the deadlines and the errors wins. */
class Exchange {
  done = false;
  /** Answered before its body was read (503, 408, 413): the connection is not reused. */
  bodyRead = false;
  readonly answered: Promise<void>;
  private settle!: () => void;

  constructor(
    readonly ctx: ParameterizedContext,
    private readonly accepting: () => boolean,
  ) {
    this.answered = new Promise((resolve) => (this.settle = resolve));
  }

  get log(): Logger | undefined {
    return requestLogger(this.ctx.state);
  }

  answer(status: number, body: unknown, headers: Record<string, string>): void {
    if (this.done) return;
    this.done = true;
    const reusable = this.accepting() && (this.bodyRead || this.ctx.req.complete);
    try {
      writeJson(this.ctx.res, status, body, reusable ? headers : { ...headers, Connection: "close" });
    } catch (error) {
      // never thrown past here: the request's promise must settle whatever happens to its socket
      this.log?.error({ err: error }, "the answer could not be written");
      this.ctx.res.destroy();
    } finally {
      this.settle();
    }
  }

  fail(error: unknown): void {
    const { status, body, headers } = errorResponse(error, this.log);
    this.answer(status, body, headers);
  }
}
