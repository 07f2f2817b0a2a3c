import type { Gate } from "@lockstep/lockfile";
import type { ModelCard, ParityReport } from "@lockstep/onnx";
import type { ServableSpec } from "./serving-adapter.js";

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

/**
 * A model: how it trains (data, params, the trainer, imported only when it trains) and how it
 * serves. Generic over its data, params, serving context and card so no spec needs a cast.
 */
export interface ModelSpec<
  Data = unknown,
  Params = unknown,
  Context = unknown,
  Serving = unknown,
> extends ServableSpec<Context, Serving> {
  task: string;
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
}
