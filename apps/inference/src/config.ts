import { resolve } from "node:path";
import type { Logger } from "pino";
import type { BatchingOptions } from "./batching/batcher.js";
import type { CacheBackend } from "./cache/backend.js";
import { LruCache } from "./cache/lru.js";
import { DEFAULT_MAX_ENTRY_BYTES } from "./cache/response-cache.js";
import { RedisCache } from "./cache/redis.js";
import type { BodyLimits } from "./inference-steps/read-body.js";
import { memoryBudget, MemoryBudgetError, type MemoryBudget } from "./memory/budget.js";
import { ConfigError, integer, onOff } from "./config-values.js";
import {
  driftConfig,
  predictionLogConfig,
  replayConfig,
  type DriftConfig,
  type PredictionLogConfig,
  type ReplayConfig,
} from "./monitoring-config.js";

export { ConfigError } from "./config-values.js";

/** What the listener itself allows, whatever the route. */
export interface ServerLimits {
  /** Time to receive a request's headers; node answers 408 past it. */
  headersTimeoutMs: number;
  /** Time to receive a whole request, a backstop behind the body deadline. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** Open connections at once; more are refused at accept. */
  maxConnections: number;
  /** Requests one keep-alive connection may carry before it is closed (0: no limit). */
  maxRequestsPerSocket: number;
}

/**
 * Everything the server is configured by, parsed once from the environment (the container is
 * configured by environment only) and passed down unchanged. The defaults live in configFromEnv.
 */
export interface ServerConfig {
  /** LOCKSTEP_LOCK, resolved against the working directory. */
  lockPath: string;
  /** LOCKSTEP_ENV: the environment whose pins are served. */
  environment: string;
  port: number;
  bodyLimits: BodyLimits;
  requestTimeoutMs: number;
  /** A body not received in full by then is answered 408 and gives its slot back. */
  bodyTimeoutMs: number;
  /** Request bodies being received at once (they hold no inference slot). */
  maxReceiving: number;
  maxInFlight: number;
  /** The most inference requests one client (remote address) may have in progress; 0 = no cap. */
  maxInFlightPerClient: number;
  /** Largest answer in bytes of JSON. */
  maxAnswerBytes: number;
  /**
   * The process's memory budget and what it derives; every default limit here comes from it (an
   * explicit variable still wins). See docs/api.md, Memory budget.
   */
  memory: MemoryBudget;
  /** Bytes all requests in flight may hold together: bodies as declared, expected answers. */
  maxInFlightBytes: number;
  /** The listener's own limits. */
  limits: ServerLimits;
  batching: Record<string, Partial<BatchingOptions>>;
  cache: {
    kind: "off" | "memory" | "redis";
    url?: string;
    ttlSeconds: number;
    maxEntries: number;
    /** The in-process cache's byte budget. */
    maxBytes: number;
    /** Largest answer cached, any backend. */
    maxEntryBytes: number;
  };
  /** Intra-op threads for every session; undefined = each model spec's default. */
  intraOpThreads: number | undefined;
  /** Sessions side by side per model; undefined = each model spec's default. */
  instances: number | undefined;
  /** false (LOCKSTEP_INLINE=off): no inline runs on the server thread for any model. */
  inline: boolean;
  /** LOCKSTEP_V8_PRETENURING: V8's allocation-site pretenuring (off by default: see memory/gc-tuning.ts). */
  pretenuring: boolean;
  drainDelayMs: number;
  /** How often the lock file is checked for a new pin (0 = only on SIGHUP). */
  watchLockMs: number;
  /** Where each answered prediction is recorded (bounded and never waited for). */
  predictionLog: PredictionLogConfig;
  /** Online drift: the last `window` predictions per model against the card's profile, once `minCount` are in. */
  drift: DriftConfig;
  /** The replay sample: raw request bodies, sampled and capped, beside the prediction log (docs/monitoring.md). */
  replay: ReplayConfig;
}

const BATCH_KEYS: Record<string, [number, number]> = {
  maxBatch: [1, 4096],
  maxWaitMs: [0, 1000],
  maxQueue: [1, 100_000],
  concurrency: [1, 64],
};

/** LOCKSTEP_BATCHING: {"co2-forecast": {"maxBatch": 64, "maxWaitMs": 1}, "fish-classifier": false} */
function parseBatching(raw: string | undefined): Record<string, Partial<BatchingOptions>> {
  if (raw === undefined || raw.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new ConfigError(`LOCKSTEP_BATCHING is not JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError('LOCKSTEP_BATCHING must be an object like {"co2-forecast": {"maxBatch": 64}}');
  }
  const out: Record<string, Partial<BatchingOptions>> = {};
  for (const [model, value] of Object.entries(parsed)) {
    if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(model)) {
      throw new ConfigError(`LOCKSTEP_BATCHING: "${model}" is not a model name`);
    }
    if (typeof value === "boolean") {
      out[model] = { enabled: value };
      continue;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new ConfigError(`LOCKSTEP_BATCHING.${model} must be true, false or an object`);
    }
    const options: Partial<BatchingOptions> = {};
    for (const [key, setting] of Object.entries(value as Record<string, unknown>)) {
      if (key === "enabled") {
        if (typeof setting !== "boolean")
          throw new ConfigError(`LOCKSTEP_BATCHING.${model}.enabled must be a boolean`);
        options.enabled = setting;
        continue;
      }
      const range = BATCH_KEYS[key];
      if (!range) {
        throw new ConfigError(
          `LOCKSTEP_BATCHING.${model}: unknown setting "${key}" (known: enabled, ${Object.keys(BATCH_KEYS).join(", ")})`,
        );
      }
      if (
        typeof setting !== "number" ||
        !Number.isInteger(setting) ||
        setting < range[0] ||
        setting > range[1]
      ) {
        throw new ConfigError(
          `LOCKSTEP_BATCHING.${model}.${key} must be an integer from ${range[0]} to ${range[1]}`,
        );
      }
      (options as Record<string, number>)[key] = setting;
    }
    out[model] = options;
  }
  return out;
}

/** Settings a caller (a test, the CLI) sets over the defaults; nested groups may be partial. */
export type ConfigOverrides = Partial<
  Omit<ServerConfig, "bodyLimits" | "limits" | "cache" | "predictionLog" | "drift" | "replay">
> & {
  bodyLimits?: Partial<BodyLimits>;
  limits?: Partial<ServerLimits>;
  cache?: Partial<ServerConfig["cache"]>;
  predictionLog?: Partial<ServerConfig["predictionLog"]>;
  drift?: Partial<ServerConfig["drift"]>;
  replay?: Partial<ServerConfig["replay"]>;
};

/** The defaults with some settings replaced: what callers that do not read the environment use. */
export function configWith(overrides: ConfigOverrides = {}, base = configFromEnv({})): ServerConfig {
  return {
    ...base,
    ...overrides,
    bodyLimits: { ...base.bodyLimits, ...overrides.bodyLimits },
    limits: { ...base.limits, ...overrides.limits },
    cache: { ...base.cache, ...overrides.cache },
    predictionLog: { ...base.predictionLog, ...overrides.predictionLog },
    drift: { ...base.drift, ...overrides.drift },
    replay: { ...base.replay, ...overrides.replay },
  };
}

function budgetFrom(env: NodeJS.ProcessEnv, cgroupLimit: number | undefined): MemoryBudget {
  try {
    return memoryBudget(env.LOCKSTEP_MEMORY_BUDGET, cgroupLimit);
  } catch (error) {
    if (error instanceof MemoryBudgetError) throw new ConfigError(error.message);
    throw error;
  }
}

/**
 * The configuration from environment variables. `system.cgroupLimit` is the process's memory limit
 * (cgroupMemoryLimit(); the entry points read it): without it, and without LOCKSTEP_MEMORY_BUDGET,
 * the limits derive from the default budget, so the result depends on `env` alone.
 */
export function configFromEnv(env: NodeJS.ProcessEnv, system: { cgroupLimit?: number } = {}): ServerConfig {
  const memory = budgetFrom(env, system.cgroupLimit);
  const kind = (env.LOCKSTEP_CACHE ?? (env.REDIS_URL ? "redis" : "memory")).toLowerCase();
  if (kind !== "off" && kind !== "memory" && kind !== "redis") {
    throw new ConfigError(`LOCKSTEP_CACHE must be off, memory or redis, got "${env.LOCKSTEP_CACHE}"`);
  }
  if (kind === "redis" && !env.REDIS_URL) throw new ConfigError("LOCKSTEP_CACHE=redis needs REDIS_URL");
  if (env.REDIS_URL && !/^rediss?:\/\//.test(env.REDIS_URL)) {
    throw new ConfigError("REDIS_URL must start with redis:// or rediss://");
  }
  const environment = env.LOCKSTEP_ENV?.trim() || "staging";
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(environment)) {
    throw new ConfigError(
      `LOCKSTEP_ENV must be a lowercase name like staging or production, got ${JSON.stringify(env.LOCKSTEP_ENV)}`,
    );
  }
  if ((env.LOCKSTEP_LOCK ?? "").includes("\0")) throw new ConfigError("LOCKSTEP_LOCK is not a path");
  const lockPath = resolve(env.LOCKSTEP_LOCK?.trim() || "models.lock.json");
  const predictionLog = predictionLogConfig(env, lockPath);
  return {
    lockPath,
    environment,
    port: integer(env, "PORT", 8080, 0, 65_535),
    bodyLimits: {
      json: integer(env, "LOCKSTEP_MAX_JSON_BYTES", memory.bodyLimits.json, 1024, 256 * 1024 * 1024),
      image: integer(env, "LOCKSTEP_MAX_IMAGE_BYTES", memory.bodyLimits.image, 1024, 256 * 1024 * 1024),
      binary: integer(env, "LOCKSTEP_MAX_BINARY_BYTES", memory.bodyLimits.binary, 1024, 1024 * 1024 * 1024),
      jsonDepth: integer(env, "LOCKSTEP_MAX_JSON_DEPTH", 32, 2, 1000),
    },
    requestTimeoutMs: integer(env, "LOCKSTEP_REQUEST_TIMEOUT_MS", 30_000, 10, 600_000),
    bodyTimeoutMs: integer(env, "LOCKSTEP_BODY_TIMEOUT_MS", 10_000, 10, 600_000),
    maxReceiving: integer(env, "LOCKSTEP_MAX_RECEIVING", 1024, 1, 1_000_000),
    maxInFlight: integer(env, "LOCKSTEP_MAX_IN_FLIGHT", 512, 1, 100_000),
    maxInFlightPerClient: integer(env, "LOCKSTEP_MAX_IN_FLIGHT_PER_CLIENT", 0, 0, 100_000),
    maxAnswerBytes: integer(
      env,
      "LOCKSTEP_MAX_ANSWER_BYTES",
      memory.maxAnswerBytes,
      1024,
      1024 * 1024 * 1024,
    ),
    memory,
    maxInFlightBytes: integer(
      env,
      "LOCKSTEP_MAX_IN_FLIGHT_BYTES",
      memory.inFlightBytes,
      64 * 1024,
      64 * 1024 ** 3,
    ),
    limits: {
      headersTimeoutMs: integer(env, "LOCKSTEP_HEADERS_TIMEOUT_MS", 10_000, 100, 600_000),
      requestTimeoutMs: integer(env, "LOCKSTEP_SOCKET_REQUEST_TIMEOUT_MS", 60_000, 100, 3_600_000),
      keepAliveTimeoutMs: integer(env, "LOCKSTEP_KEEP_ALIVE_TIMEOUT_MS", 5_000, 0, 600_000),
      maxConnections: integer(env, "LOCKSTEP_MAX_CONNECTIONS", memory.maxConnections, 1, 1_000_000),
      maxRequestsPerSocket: integer(env, "LOCKSTEP_MAX_REQUESTS_PER_SOCKET", 0, 0, 10_000_000),
    },
    batching: parseBatching(env.LOCKSTEP_BATCHING),
    cache: {
      kind,
      url: env.REDIS_URL,
      ttlSeconds: integer(env, "LOCKSTEP_CACHE_TTL", 300, 1, 30 * 24 * 3600),
      maxEntries: integer(env, "LOCKSTEP_CACHE_SIZE", 10_000, 1, 10_000_000),
      maxBytes: integer(env, "LOCKSTEP_CACHE_BYTES", memory.cacheBytes, 1024, 64 * 1024 ** 3),
      maxEntryBytes: integer(
        env,
        "LOCKSTEP_CACHE_MAX_ENTRY_BYTES",
        DEFAULT_MAX_ENTRY_BYTES,
        16,
        256 * 1024 ** 2,
      ),
    },
    intraOpThreads: env.LOCKSTEP_THREADS ? integer(env, "LOCKSTEP_THREADS", 1, 1, 256) : undefined,
    instances: env.LOCKSTEP_INSTANCES ? integer(env, "LOCKSTEP_INSTANCES", 1, 1, 64) : undefined,
    inline: onOff(env, "LOCKSTEP_INLINE", true),
    pretenuring: onOff(env, "LOCKSTEP_V8_PRETENURING", false),
    drainDelayMs: integer(env, "LOCKSTEP_DRAIN_DELAY_MS", 0, 0, 600_000),
    watchLockMs: integer(env, "LOCKSTEP_WATCH_LOCK_MS", 2000, 0, 3_600_000),
    predictionLog,
    drift: driftConfig(env),
    replay: replayConfig(env, predictionLog, memory, lockPath),
  };
}

export function cacheBackend(config: ServerConfig["cache"], logger: Logger): CacheBackend | undefined {
  if (config.kind === "off") return undefined;
  if (config.kind === "redis") return new RedisCache(config.url!, logger);
  return new LruCache(config.maxEntries, config.maxBytes);
}
