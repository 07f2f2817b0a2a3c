/** The shapes of models.lock.json, version 1. The JSON Schema in ../schema is the source of truth. */

export const LOCKFILE_VERSION = 1 as const;
export const LOCKFILE_NAME = "models.lock.json";

export type GateGoal = "minimize" | "maximize";

export interface Gate {
  /** The metric a candidate must improve; every pin of the model must report it. */
  metric: string;
  goal: GateGoal;
  /** How much better, in the metric's own units, a candidate must be (0 = strictly better). */
  minImprovement: number;
  /**
   * Paired gate: when candidate and pin were evaluated on the same folds (same data, protocol and
   * fold count), the mean per-fold gain must also exceed this many standard errors of that mean.
   */
  minStandardErrors?: number;
}

export interface Evaluation {
  /** How the metrics were measured, e.g. "rolling-origin backtest: 5 origins x 24 months". */
  protocol: string;
  /** Where the evaluation data came from (a URI or a package reference). */
  dataset?: string;
  /** SHA-256 of the normalised evaluation data (what the trainer parsed; not the bytes' hash). */
  datasetSha256: string;
  /**
   * The raw bytes training read, stored by content: `sha256:<hex>` of the file, or of a folder's
   * manifest, under `data/sha256/<hex>` in the artifact's store. Absent when no snapshot was taken.
   */
  dataSnapshot?: string;
  /** Per-fold (or per-origin) values of metrics, in the protocol's order, for paired gates. */
  folds?: Record<string, number[]>;
}

export interface PinSource {
  commit?: string;
  runUrl?: string;
  /** The build-provenance attestation of the artifact (a GitHub attestation URL), when CI trained it. */
  attestation?: string;
}

export interface Pin {
  version: string;
  sha256: string;
  bytes: number;
  uri: string;
  metrics: Record<string, number>;
  evaluation: Evaluation;
  trainedAt: string;
  source: PinSource;
}

export interface ModelLock {
  gate: Gate;
  /** Pins by environment name (staging, production, ...). */
  pins: Record<string, Pin>;
}

export interface LockFile {
  $schema?: string;
  lockfileVersion: typeof LOCKFILE_VERSION;
  models: Record<string, ModelLock>;
}
