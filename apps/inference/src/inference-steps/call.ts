import type { IncomingMessage } from "node:http";
import type { CancelSignal } from "../batching/cancel-signal.js";
import type { LoadedModel } from "../model-registry.js";
import type { Reservation } from "./byte-budget.js";
import type { JsonText } from "./json-text.js";
import type { BodyKind, RequestBody } from "./read-body.js";

/** One inference request as its handler sees it: no HTTP framework, just what it needs. */
export interface InferenceCall {
  /** The request's id (X-Request-Id), as the access log and the prediction log name it. */
  readonly requestId: string;
  /** Path parameters: the model name and, on versioned routes, the version. */
  params: { name: string; version?: string };
  /** The parsed JSON (parsed on first read, which throws the 400 for a malformed body) or the bytes. */
  readonly body: unknown;
  bodyKind: BodyKind;
  /** A JSON body's bytes as received: what a cache can key on without parsing. */
  bytes?: Uint8Array;
  /** A request header (lower-case name), "" when absent. */
  header(name: string): string;
  /** Fires when the client disconnects or the request runs past its deadline. */
  signal: CancelSignal;
  /** Holds the model until the request is completely done, so a hot swap cannot release it under it. */
  lease(model: LoadedModel): void;
  /** Holds `bytes` more of the in-flight budget (an expected answer) or throws the 413/503. */
  reserve(bytes: number, what: string): void;
}

/** The answer: an object to serialise, or JSON already serialised. */
export type InferenceHandler = (call: InferenceCall) => Promise<Record<string, unknown> | JsonText>;

/**
 * An InferenceCall for one HTTP request. A class, not closures: closures sharing a context kept
 * bodies alive past young-generation collections (see bench/RESULTS.md, "Figures behind code
 * decisions").
 */
export class RequestCall implements InferenceCall {
  constructor(
    readonly params: InferenceCall["params"],
    private readonly request: RequestBody,
    private readonly req: IncomingMessage,
    readonly signal: CancelSignal,
    private readonly leases: LoadedModel[],
    readonly requestId: string,
    private readonly reservation?: Reservation,
  ) {}

  reserve(bytes: number, what: string): void {
    this.reservation?.add(bytes, what);
  }

  get body(): unknown {
    return this.request.value;
  }

  get bodyKind(): BodyKind {
    return this.request.kind;
  }

  get bytes(): Uint8Array | undefined {
    return this.request.raw;
  }

  header(name: string): string {
    const value = this.req.headers[name];
    return typeof value === "string" ? value : "";
  }

  // a bound function: handlers pass it on as a callback
  readonly lease = (model: LoadedModel): void => {
    this.leases.push(model);
  };
}
