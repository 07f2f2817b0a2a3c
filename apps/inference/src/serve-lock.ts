import { dirname } from "node:path";
import type { Logger } from "pino";
import { readLock } from "@lockstep/lockfile";
import { cacheBackend, configFromEnv } from "./config.js";
import { watchLock } from "./lock-watcher.js";
import { createInferenceServer, type InferenceServer } from "./server.js";

export interface ServeLockOptions {
  lockPath: string;
  environment: string;
  port: number;
  host?: string;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** Handle SIGHUP (reload) and SIGTERM/SIGINT (drain, then exit). */
  signals?: boolean;
  /** Pinned models still being built (see ServerOptions.pending). */
  pending?: string[];
}

/**
 * Serves a lock file as the container does: configuration from the environment, a hot swap when
 * the lock changes or on SIGHUP, and a graceful drain on SIGTERM.
 */
export async function serveLock(
  options: ServeLockOptions,
): Promise<{ server: InferenceServer; port: number }> {
  const env = options.env ?? process.env;
  const config = configFromEnv(env);
  const { logger } = options;
  const lock = await readLock(options.lockPath);
  const backend = cacheBackend(config.cache, logger);
  const server = createInferenceServer({
    lock,
    environment: options.environment,
    storeOptions: { baseDir: dirname(options.lockPath) },
    logger,
    bodyLimits: config.bodyLimits,
    requestTimeoutMs: config.requestTimeoutMs,
    bodyTimeoutMs: config.bodyTimeoutMs,
    maxReceiving: config.maxReceiving,
    maxInFlight: config.maxInFlight,
    maxInFlightPerClient: config.maxInFlightPerClient,
    maxAnswerBytes: config.maxAnswerBytes,
    limits: config.limits,
    batching: config.batching,
    cache: backend
      ? { backend, ttlSeconds: config.cache.ttlSeconds, maxEntryBytes: config.cache.maxEntryBytes }
      : undefined,
    intraOpThreads: config.intraOpThreads,
    instances: config.instances,
    inline: config.inline,
    pending: options.pending,
  });
  const { port } = await server.listen(options.port, options.host);

  const reload = async (reason: string) => {
    try {
      const outcomes = await server.reload(await readLock(options.lockPath));
      logger.info({ reason, outcomes }, "lock reloaded");
    } catch (error) {
      // an unreadable or invalid lock changes nothing: the current models keep serving
      logger.error({ reason, err: (error as Error).message }, "lock reload refused");
    }
  };
  const unwatch =
    config.watchLockMs > 0
      ? watchLock(options.lockPath, config.watchLockMs, () => void reload("lock changed"))
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
