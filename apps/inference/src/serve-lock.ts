import { dirname } from "node:path";
import type { Logger } from "pino";
import { readLock } from "@lockstep/lockfile";
import { setBufferPoolBytes } from "@lockstep/models";
import { cacheBackend, type ServerConfig } from "./config.js";
import { watchLock } from "./lock-watcher.js";
import { budgetReport } from "./memory/budget.js";
import { tuneGarbageCollection } from "./memory/gc-tuning.js";
import { predictionLogFrom, replaySampleFrom } from "./monitoring.js";
import { createInferenceServer, type InferenceServer } from "./server.js";

export interface ServeLockOptions {
  /** Parsed once by the caller (configFromEnv): the lock, environment, port and every limit. */
  config: ServerConfig;
  host?: string;
  logger: Logger;
  /** Handle SIGHUP (reload) and SIGTERM/SIGINT (drain, then exit). */
  signals?: boolean;
  /** Pinned models still being built (see ServerOptions.pending). */
  pending?: string[];
}

/** The budget and the limits it gave (after any explicit variable), once at start; a warning when V8's heap may outgrow it. */
function logMemoryBudget(config: ServerConfig, logger: Logger): void {
  const { figures, warning } = budgetReport(config.memory);
  logger.info(
    {
      memory: {
        ...figures,
        inFlightBytes: config.maxInFlightBytes,
        bodyLimits: config.bodyLimits,
        maxAnswerBytes: config.maxAnswerBytes,
        cacheBytes: config.cache.maxBytes,
        replayQueueBytes: config.replay.kind === "off" ? 0 : config.replay.maxQueueBytes,
        maxConnections: config.limits.maxConnections,
        v8Pretenuring: config.pretenuring,
      },
    },
    "memory budget",
  );
  if (warning) logger.warn({ code: "HEAP_OVER_BUDGET" }, warning);
}

/**
 * Serves a lock file as the container does: a hot swap when the lock changes or on SIGHUP, and a
 * graceful drain on SIGTERM.
 */
export async function serveLock(
  options: ServeLockOptions,
): Promise<{ server: InferenceServer; port: number }> {
  const { config, logger } = options;
  logMemoryBudget(config, logger);
  tuneGarbageCollection(config.pretenuring);
  setBufferPoolBytes(config.memory.bufferPoolBytes);
  const lock = await readLock(config.lockPath);
  const server = createInferenceServer({
    lock,
    config,
    cacheBackend: cacheBackend(config.cache, logger),
    predictionLog: predictionLogFrom(config.predictionLog, logger),
    replaySample: replaySampleFrom(config.replay, logger),
    storeOptions: { baseDir: dirname(config.lockPath) },
    logger,
    pending: options.pending,
  });
  const { port } = await server.listen(config.port, options.host);

  const reload = async (reason: string) => {
    try {
      const outcomes = await server.reload(await readLock(config.lockPath));
      logger.info({ reason, outcomes }, "lock reloaded");
    } catch (error) {
      // an unreadable or invalid lock changes nothing: the current models keep serving
      logger.error({ reason, err: (error as Error).message }, "lock reload refused");
    }
  };
  const unwatch =
    config.watchLockMs > 0
      ? watchLock(config.lockPath, config.watchLockMs, () => void reload("lock changed"))
      : () => {};
  if (options.signals !== false) {
    process.on("SIGHUP", () => void reload("SIGHUP"));
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      process.once(signal, () => {
        logger.info({ signal }, "shutting down");
        unwatch();
        void server.shutdown(config.drainDelayMs).then(() => process.exit(0));
      });
    }
  }
  return { server, port };
}
