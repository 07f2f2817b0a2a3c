import type { CancelSignal } from "../batching/cancel-signal.js";
import type { LoadedModel } from "../model-registry.js";
import type { JsonText } from "./json-text.js";
import type { BodyKind } from "./read-body.js";

/** One inference request as its handler sees it: no HTTP framework, just what it needs. */
export interface InferenceCall {
  /** Path parameters: the model name and, on versioned routes, the version. */
  params: { name: string; version?: string };
  body: unknown;
  bodyKind: BodyKind;
  /** A request header (lower-case name), "" when absent. */
  header(name: string): string;
  /** Fires when the client disconnects or the request runs past its deadline. */
  signal: CancelSignal;
  /** Holds the model until the request is completely done, so a hot swap cannot release it under it. */
  lease(model: LoadedModel): void;
}

/** The answer: an object to serialise, or JSON already serialised. */
export type InferenceHandler = (call: InferenceCall) => Promise<Record<string, unknown> | JsonText>;
