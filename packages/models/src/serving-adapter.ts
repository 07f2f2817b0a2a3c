import type { Headline } from "./headline.js";
import type { ModelCard } from "@lockstep/onnx";

export type FeedTensor =
  | { type: "float32"; data: Float32Array; dims: number[] }
  | { type: "uint8"; data: Uint8Array; dims: number[] };

export interface OutputTensor {
  data: ArrayLike<number>;
  dims: readonly number[];
}

/** A request turned into model inputs, plus whatever encode needs to shape the answer. */
export interface DecodedRequest<Context = unknown> {
  feeds: Record<string, FeedTensor>;
  context: Context;
  /**
   * Called once the feeds are no longer needed (the inference settled, whatever its outcome), so
   * the adapter may reuse their buffers. Callers that never call it only cost the adapter a reuse.
   */
  release?(): void;
}

/** A model's card with what its serving code reads from it (written there by its trainer). */
export type ServedCard<Serving> = ModelCard & { serving: Serving };

/** A JSON Schema (draft 2020-12, as OpenAPI 3.1 writes it). */
export type JsonSchema = Record<string, unknown>;

/** How the server runs a model: data, not code (MLServer's model-settings.json). */
export interface ServingSettings {
  /** Content types the domain endpoint accepts besides JSON (e.g. image/* and multipart). */
  accepts?: ("image" | "multipart")[];
  /** onnxruntime intra-op threads inside each session (LOCKSTEP_THREADS overrides). */
  threads?: number;
  /** Sessions side by side, each in its own worker thread (LOCKSTEP_INSTANCES overrides). */
  instances?: number;
  /**
   * Runs take a fraction of a millisecond (LOCKSTEP_INLINE=off overrides): a request that finds
   * the model idle with no concurrent traffic runs on the server's thread, skipping the worker hop.
   * Never for runs of milliseconds: each inline run holds up the event loop.
   */
  inline?: boolean;
  /** Whether merging concurrent requests into one run pays for this model. */
  batching?: {
    enabled?: boolean;
    maxBatch?: number;
    maxWaitMs?: number;
    /** Runs in flight at once, over all sessions (default: `instances` × `pipeline`). */
    concurrency?: number;
    /**
     * Batches handed to each session at once (default 1): with 2 the next batch waits in the
     * worker while one runs. It pays for cheap runs, where the server thread's round trip is as
     * long as the run; for long runs it only holds more requests back.
     */
    pipeline?: number;
  };
  /** What one pod of this model needs in a cluster: the defaults `lockstep render` starts from. */
  deployment?: DeploymentHints;
}

/**
 * The serving side of a model, as code plus settings: the domain endpoint's request schema (the
 * request is validated against it before decode sees it, and /openapi.json shows it), decode and
 * encode, and how the server runs it.
 */
export interface ServingAdapter<Context = unknown, Serving = unknown> {
  /** JSON Schemas of the domain endpoint's JSON request and its answer. */
  schema: { request: JsonSchema; response: JsonSchema };
  /**
   * A JSON body that passed `schema.request`, or an image's bytes where `accepts` allows them.
   * Throws ModelError("REQUEST_INVALID") for what the schema cannot say (limits from the card).
   */
  decode(
    body: unknown,
    card: ServedCard<Serving>,
  ): DecodedRequest<Context> | Promise<DecodedRequest<Context>>;
  encode(
    outputs: Record<string, OutputTensor>,
    card: ServedCard<Serving>,
    context: Context,
  ): Record<string, unknown>;
  /** Example requests that must succeed against any artifact of this model (smoke tests). */
  golden: unknown[];
  settings: ServingSettings;
  /** What the server counts about each answer for its Prometheus metrics. */
  observe?: AnswerObserver;
  /** What the prediction log records of each request and the online drift compares with the card. */
  monitor?: MonitorFields<Context, Serving>;
  /** How new data becomes requests and, where the truth has arrived, a realised metric (lockstep monitor --data). */
  batch?: BatchAdapter<Serving>;
}

/** One request of a batch, built from new data by the spec. */
export interface BatchRow {
  /** What the row is: a month, a candle's time, a file name (unique in the batch). */
  id: string;
  /** ISO-8601 time the row is about, for the realised metric over time. */
  time?: string;
  /** A request the domain endpoint accepts (JSON, or an image's bytes), or a function reading it when its turn comes. */
  request: unknown;
  /** What came true, once it has arrived (absent: not yet). */
  truth?: unknown;
}

export interface BatchIo {
  baseDir?: string;
  env?: NodeJS.ProcessEnv;
  log: (message: string) => void;
}

/** The metric a batch can be scored by once the truth arrives: the counterpart of a card metric. */
export interface RealisedMetric {
  /** The card metric it mirrors (e.g. mape_h12), shown beside it. */
  metric: string;
  goal: "minimize" | "maximize";
  /** The score of answered rows that carry their truth; undefined when they cannot be scored. */
  score(rows: { answer: Record<string, unknown>; truth: unknown }[]): number | undefined;
  /** The period a row's time falls in, for the metric over time (e.g. "2026-03"). */
  period?(time: string): string;
}

export interface BatchAdapter<Serving = unknown> {
  /** Reads new data (a URI as training takes) into requests: rows after the card's training data. */
  rows(uri: string, card: ServedCard<Serving>, io: BatchIo): Promise<BatchRow[]>;
  realised?: RealisedMetric;
}

/** A logged field: a finite number or a category. */
export type MonitorValue = number | string;

/**
 * A request's features and its answer's prediction fields, named as the card's reference profile
 * (featureProfile.features and .predictions) so drift compares like with like; never raw inputs.
 */
export interface MonitorFields<Context = unknown, Serving = unknown> {
  /** From the decoded request, before its buffers are given back. */
  features(decoded: DecodedRequest<Context>, card: ServedCard<Serving>): Record<string, MonitorValue>;
  /** From the answer; `features` are this request's, for fields relative to its input. */
  prediction(
    answer: Record<string, unknown>,
    features: Record<string, MonitorValue>,
  ): Record<string, MonitorValue>;
}

/** A pod's needs and the latency it should hold (from the serving bench figures). */
export interface DeploymentHints {
  /** CPU and memory requested per pod (Kubernetes quantities). */
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
  /** The p99 latency a canary must stay under, in seconds. */
  p99Seconds: number;
}

/** Reads the predicted classes and values out of an answer, for prediction metrics. */
export interface AnswerObserver {
  /** Predicted class labels (counted by class). */
  classes?(answer: Record<string, unknown>): string[];
  /** Predicted values, observed into a histogram named by `values.metric` with these buckets. */
  values?: {
    metric: string;
    help: string;
    buckets: number[];
    of(answer: Record<string, unknown>): number[];
  };
}

/** What a server needs of a model: its name, what it is, and its serving code and settings. */
export interface ServableSpec<Context = unknown, Serving = unknown> {
  name: string;
  description: string;
  serving: ServingAdapter<Context, Serving>;
  /** The card's headline metrics, each beside its baselines, in its unit (the page, the API, the PR). */
  headline?(card: ModelCard): Headline[];
}
