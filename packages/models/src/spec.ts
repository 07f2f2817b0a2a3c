import type { Gate } from "@lockstep/lockfile";
import type { ModelCard, ParityReport } from "@lockstep/onnx";

export interface TrainContext {
  /** Progress lines for long steps (the CLI prints them to stderr). */
  log: (message: string) => void;
  /** Directory relative data paths are resolved against. */
  baseDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Called as each phase of the work starts (data, training phases, store). */
  phase?: (name: string) => void;
}

/** What training produces: the ONNX bytes (card inside), the metrics and a Markdown report. */
export interface TrainedModel {
  onnx: Uint8Array;
  card: ModelCard;
  metrics: Record<string, number>;
  evaluation: { protocol: string; dataset: string; datasetSha256: string };
  /** Markdown; charts are linked as `lockstep-asset:<name>` (see writeReport). */
  report: string;
  /** Files the report links to (SVG charts), by name. */
  assets?: Record<string, string>;
  parity: ParityReport;
  /** Wall-clock seconds of each training phase. */
  timings?: Record<string, number>;
}

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

/** The serving side of a model: its domain endpoint's request decoding and response encoding. */
export interface ServingAdapter<Context = unknown> {
  /** Throws ModelError("REQUEST_INVALID") with a message for the client on bad input. */
  decode(body: unknown, card: ModelCard): DecodedRequest<Context> | Promise<DecodedRequest<Context>>;
  encode(outputs: Record<string, OutputTensor>, card: ModelCard, context: Context): Record<string, unknown>;
  /** Example requests that must succeed against any artifact of this model (smoke tests). */
  golden: unknown[];
  /** Content types the domain endpoint accepts besides JSON (e.g. image/* and multipart). */
  accepts?: ("image" | "multipart")[];
  /**
   * onnxruntime intra-op threads inside each of this model's sessions (the server's default;
   * LOCKSTEP_THREADS overrides).
   */
  threads?: number;
  /**
   * Sessions side by side, each in its own worker thread (the server's default; LOCKSTEP_INSTANCES
   * overrides). Bare onnxruntime runs a compute-bound model faster as one single-threaded session
   * per core than as one session on all cores, but in the server the copies pay only where cores
   * are left over from HTTP and decoding (on 2 cores fish-classifier was no faster with 2).
   */
  instances?: number;
  /**
   * Runs take a fraction of a millisecond (the server's default; LOCKSTEP_INLINE=off overrides): the
   * server keeps a second session on its own thread, and a request that finds the model idle with no
   * concurrent traffic runs there, skipping the worker thread round trip. Never for runs of
   * milliseconds: each inline run holds up the event loop.
   */
  inline?: boolean;
  /** Whether merging concurrent requests into one run pays for this model (the server's default). */
  batching?: {
    enabled?: boolean;
    maxBatch?: number;
    maxWaitMs?: number;
    /** Runs in flight at once, over all sessions (default: `instances` × `pipeline`). */
    concurrency?: number;
    /**
     * Batches handed to each session at once (default 1). With 2 the next batch waits in the
     * session's worker while one runs, so the session does not idle through the server thread's
     * round trip (answering one batch and stacking the next). It pays for cheap runs, where that
     * round trip is as long as the run itself; for long runs it only holds more requests back.
     */
    pipeline?: number;
  };
  /** What the server counts about each answer for its Prometheus metrics. */
  observe?: AnswerObserver;
  /** What one pod of this model needs in a cluster: the defaults `lockstep render` starts from. */
  deployment?: DeploymentHints;
  /** JSON Schemas of the domain endpoint's request and answer, for /openapi.json. */
  schema?: { request: Record<string, unknown>; response: Record<string, unknown> };
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
export type ServableSpec = Pick<ModelSpec, "name" | "description" | "serving">;

/**
 * A model as a server holds it, from an adapter with its own context type: the context only ever
 * flows from that adapter's decode to its own encode, so the server may hold it opaquely.
 */
export function servable<Context>(spec: {
  name: string;
  description: string;
  serving: ServingAdapter<Context>;
}): ServableSpec {
  return spec as unknown as ServableSpec;
}

export interface ModelSpec<Data = unknown, Params = unknown> {
  name: string;
  task: string;
  description: string;
  /** The gate a new model gets in the lock: the metric a candidate must improve. */
  gate: Gate;
  /** Data used when none is given: a URI (file://, https://, s3://, npm:<package>/<file>). */
  defaultData: string;
  defaultParams: Params;
  /** Params that belong to the default data (e.g. how its file names group): applied only to it. */
  defaultDataParams?: Record<string, unknown>;
  /** A tiny training budget for tests and smoke runs (JSON params, merged over the defaults). */
  smokeParams: Record<string, unknown>;
  /** Merges user params over the defaults; throws ModelError("PARAMS_INVALID"). */
  parseParams(input: unknown): Params;
  /** Throws ModelError("DATA_INVALID") on data it cannot use. */
  loadData(uri: string, context: TrainContext): Promise<Data>;
  train(data: Data, params: Params, context: TrainContext): Promise<TrainedModel>;
  serving: ServingAdapter<never>;
}
