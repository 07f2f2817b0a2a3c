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
  /**
   * A local copy of the data to read instead of the URI's own location (a data snapshot, when the
   * source changed or is gone); the URI still names the data, so the card and artifact are the same.
   */
  dataPath?: string;
}

/** The card's fields only the trainer knows; the pipeline stamps name, task, params, seed, metrics, trainer. */
export type TrainerCard = Omit<
  ModelCard,
  "cardVersion" | "name" | "task" | "params" | "seed" | "metrics" | "trainer"
>;

/** What a trainer returns: only what is its own. trainModel makes the card, the ONNX and the report of it. */
export interface TrainerResult {
  /** The ONNX graph, without its card. */
  model: Uint8Array;
  card: TrainerCard;
  metrics: Record<string, number>;
  /**
   * Per-fold (or per-origin) values of metrics, in the evaluation's order: the pin records them
   * so a later candidate evaluated on the same folds is compared fold by fold (the paired gate).
   */
  folds?: Record<string, number[]>;
  /** Rows the trainer predicted itself: onnxruntime must give the same outputs within 1e-4. */
  parity: {
    input: { name: string; data: Float32Array | Uint8Array; dims: number[] };
    output: { name: string; expected: ArrayLike<number> };
    /** What a row is, for the log ("windows", "bars", "images"). */
    rows: string;
  };
  /** The Markdown report, from the finished card and parity check. */
  report(card: ModelCard, parity: ParityReport): { markdown: string; assets?: Record<string, string> };
  /** Wall-clock seconds of each training phase. */
  timings?: Record<string, number>;
}

/** What training produces: the ONNX bytes (card inside), the metrics and a Markdown report. */
export interface TrainedModel {
  onnx: Uint8Array;
  card: ModelCard;
  metrics: Record<string, number>;
  evaluation: {
    protocol: string;
    dataset: string;
    datasetSha256: string;
    folds?: Record<string, number[]>;
  };
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
  Params extends { seed: number } = { seed: number },
  Context = unknown,
  Serving = unknown,
> extends ServableSpec<Context, Serving> {
  task: string;
  /** The trainer's name and version, stamped into every card (bump the version when its output changes). */
  trainer: { name: string; version: string };
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
  /**
   * For sources that are not files (an API): the data as bytes loadData reads back the same from a
   * snapshot's copy (`dataPath`), so the pin can name a snapshot of it. Undefined for file sources.
   */
  snapshotOf?(data: Data, uri: string): Uint8Array | undefined;
  /** The trainer (import it lazily: the server never loads training code); see trainModel. */
  train(data: Data, params: Params, context: TrainContext): Promise<TrainerResult>;
}
