import { dirname, join, resolve } from "node:path";
import type { MemoryBudget } from "./memory/budget.js";
import { ConfigError, fraction, integer, onOff } from "./config-values.js";

/** Where each answered prediction is recorded (bounded and never waited for). */
export interface PredictionLogConfig {
  kind: "off" | "jsonl" | "clickhouse";
  /** JSON Lines files, one per UTC day (kind jsonl). */
  dir: string;
  /** http(s)://host:port/database (kind clickhouse). */
  url?: string;
  /** Share of predictions logged, 0 to 1. */
  sampleRate: number;
  /** Records held while the sink is slow or down; the oldest beyond are dropped and counted. */
  maxQueue: number;
}

/** Online drift: the last `window` predictions per model against the card's profile, once `minCount` are in. */
export interface DriftConfig {
  window: number;
  minCount: number;
}

/** The replay sample: raw request bodies, sampled and capped, beside the prediction log (docs/monitoring.md). */
export interface ReplayConfig {
  kind: "off" | "jsonl" | "clickhouse";
  /** JSON Lines files, one per UTC day (kind jsonl). */
  dir: string;
  url?: string;
  /** Share of answered /v1 requests sampled, 0 to 1. */
  sampleRate: number;
  /** Most requests sampled per model per UTC day. */
  maxPerDay: number;
  /** Largest body sampled, in bytes. */
  maxBodyBytes: number;
  /** Whether image bodies (fish-classifier's binary and multipart uploads) are sampled. */
  images: boolean;
  /** UTC days kept (today counts as one); older days are deleted by the sink. */
  retentionDays: number;
  /** Records held while the sink is slow or down. */
  maxQueue: number;
  /** Bytes of records held while the sink is slow or down: a share of the memory budget. */
  maxQueueBytes: number;
}

export function predictionLogConfig(env: NodeJS.ProcessEnv, lockPath: string): PredictionLogConfig {
  const url = env.LOCKSTEP_CLICKHOUSE_URL?.trim() || undefined;
  const kind = (env.LOCKSTEP_PREDICTION_LOG?.trim().toLowerCase() ||
    (url ? "clickhouse" : "jsonl")) as string;
  if (kind !== "off" && kind !== "jsonl" && kind !== "clickhouse") {
    throw new ConfigError(
      `LOCKSTEP_PREDICTION_LOG must be off, jsonl or clickhouse, got "${env.LOCKSTEP_PREDICTION_LOG!.slice(0, 40)}"`,
    );
  }
  if (kind === "clickhouse") {
    if (!url) throw new ConfigError("LOCKSTEP_PREDICTION_LOG=clickhouse needs LOCKSTEP_CLICKHOUSE_URL");
    if (!/^https?:\/\/[^\s]+$/.test(url))
      throw new ConfigError(
        "LOCKSTEP_CLICKHOUSE_URL must be an http:// or https:// URL (http://host:8123/database)",
      );
  }
  const dir = env.LOCKSTEP_PREDICTION_LOG_DIR?.trim() || join(dirname(lockPath), ".lockstep", "predictions");
  if (dir.includes("\0")) throw new ConfigError("LOCKSTEP_PREDICTION_LOG_DIR is not a path");
  return {
    kind,
    dir: resolve(dir),
    url,
    sampleRate: fraction(env, "LOCKSTEP_PREDICTION_LOG_SAMPLE", 1),
    maxQueue: integer(env, "LOCKSTEP_PREDICTION_LOG_QUEUE", 10_000, 1, 10_000_000),
  };
}

export function replayConfig(
  env: NodeJS.ProcessEnv,
  log: PredictionLogConfig,
  memory: MemoryBudget,
  lockPath: string,
): ReplayConfig {
  const raw = env.LOCKSTEP_REPLAY?.trim().toLowerCase();
  // on by default wherever the prediction log goes: the sample is written beside it
  const kind = (raw === undefined || raw === "" || raw === "on" ? log.kind : raw) as string;
  if (kind !== "off" && kind !== "jsonl" && kind !== "clickhouse")
    throw new ConfigError(
      `LOCKSTEP_REPLAY must be on, off, jsonl or clickhouse, got "${env.LOCKSTEP_REPLAY!.slice(0, 40)}"`,
    );
  if (kind === "clickhouse" && !log.url)
    throw new ConfigError("LOCKSTEP_REPLAY=clickhouse needs LOCKSTEP_CLICKHOUSE_URL");
  const dir = env.LOCKSTEP_REPLAY_DIR?.trim() || join(dirname(lockPath), ".lockstep", "replay");
  if (dir.includes("\0")) throw new ConfigError("LOCKSTEP_REPLAY_DIR is not a path");
  // the queue's bytes come out of the budget: 1/64 of it, at most 16 MiB
  const queueBytes = Math.min(16 * 1024 * 1024, Math.floor(memory.budgetBytes / 64));
  const maxQueueBytes = integer(env, "LOCKSTEP_REPLAY_QUEUE_BYTES", queueBytes, 64 * 1024, 1024 ** 3);
  return {
    kind,
    dir: resolve(dir),
    url: log.url,
    sampleRate: fraction(env, "LOCKSTEP_REPLAY_SAMPLE", 0.05),
    maxPerDay: integer(env, "LOCKSTEP_REPLAY_MAX_PER_DAY", 2000, 1, 10_000_000),
    maxBodyBytes: Math.min(
      maxQueueBytes,
      integer(env, "LOCKSTEP_REPLAY_MAX_BODY_BYTES", 64 * 1024, 256, 256 * 1024 * 1024),
    ),
    images: onOff(env, "LOCKSTEP_REPLAY_IMAGES", false),
    retentionDays: integer(env, "LOCKSTEP_REPLAY_RETENTION_DAYS", 14, 1, 3650),
    maxQueue: integer(env, "LOCKSTEP_REPLAY_QUEUE", 1000, 1, 1_000_000),
    maxQueueBytes,
  };
}

export function driftConfig(env: NodeJS.ProcessEnv): DriftConfig {
  const window = integer(env, "LOCKSTEP_DRIFT_WINDOW", 1000, 10, 1_000_000);
  const minCount = integer(env, "LOCKSTEP_DRIFT_MIN", Math.min(100, window), 1, 1_000_000);
  if (minCount > window)
    throw new ConfigError(
      `LOCKSTEP_DRIFT_MIN (${minCount}) must not exceed LOCKSTEP_DRIFT_WINDOW (${window})`,
    );
  return { window, minCount };
}
