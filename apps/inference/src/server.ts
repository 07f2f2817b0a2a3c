import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Koa from "koa";
import { pino, type Logger } from "pino";
import type { LockFile } from "@lockstep/lockfile";
import type { ServableSpec } from "@lockstep/models";
import type { OpenStoreOptions } from "@lockstep/store";
import type { CacheBackend } from "./cache/backend.js";
import { ResponseCache } from "./cache/response-cache.js";
import { configWith, type ServerConfig } from "./config.js";
import { Monitoring } from "./monitoring.js";
import type { PredictionLog, ReplaySample } from "@lockstep/monitor";
import { inferenceSteps } from "./inference-steps/steps.js";
import { answerClientError, refuseNoHost } from "./client-error.js";
import { createMetrics, type Metrics } from "./metrics.js";
import { errorHandler } from "./middleware/errors.js";
import { observe } from "./middleware/observe.js";
import { ModelRegistry, type ReloadOutcome } from "./model-registry.js";
import { tableRouter } from "./route-table/table-router.js";
import { routeTable } from "./route-table/table.js";
import type { RouteOptions } from "./routes.js";

export interface ServerOptions {
  lock: LockFile;
  /** Everything configurable, parsed once (configFromEnv; configWith for a few settings over the defaults). */
  config?: ServerConfig;
  /** The response cache's store (LruCache, RedisCache; cacheBackend() picks it from config.cache); none = no cache. */
  cacheBackend?: CacheBackend;
  storeOptions?: OpenStoreOptions;
  logger?: Logger;
  /** Pinned models still being built: unready until `reload` brings them (hot add). */
  pending?: string[];
  /** The models this server can serve, by name: code and settings, nothing else (default: Lockstep's registry). */
  specs?: Readonly<Record<string, ServableSpec>>;
  /** Where answered predictions are recorded (predictionLogFrom makes it from config.predictionLog); none = not logged. */
  predictionLog?: PredictionLog;
  /** The replay sample (replaySampleFrom makes it from config.replay); none = no bodies kept. */
  replaySample?: ReplaySample;
}

export interface InferenceServer {
  /** The Koa app as a request listener (an HTTP/1.1 request without Host is refused first). */
  handler: RequestListener;
  registry: ModelRegistry;
  metrics: Metrics;
  logger: Logger;
  /** Starts listening (port 0 = any free port) and begins loading models. */
  listen(port: number, host?: string): Promise<{ port: number; server: Server }>;
  /** Serves a new lock's pins without downtime (see ModelRegistry.reload). */
  reload(lock: LockFile): Promise<ReloadOutcome[]>;
  /**
   * Graceful stop: readiness fails at once, after `drainDelayMs` (time for load balancers to
   * notice) the listener closes, in-flight requests finish, then models and cache are released.
   */
  shutdown(drainDelayMs?: number): Promise<void>;
  close(): Promise<void>;
}

export function createInferenceServer(options: ServerOptions): InferenceServer {
  const config = options.config ?? configWith();
  const logger = options.logger ?? pino({ name: "lockstep-inference" });
  const metrics = createMetrics();
  const registry = new ModelRegistry({
    lock: options.lock,
    config,
    storeOptions: options.storeOptions,
    logger,
    metrics,
    pending: options.pending,
    specs: options.specs,
  });
  const monitoring = new Monitoring(
    metrics,
    () => registry.names().flatMap((name) => registry.get(name) ?? []),
    config.drift,
    options.predictionLog,
    options.replaySample,
  );
  const cache = options.cacheBackend
    ? new ResponseCache(options.cacheBackend, metrics, config.cache.ttlSeconds, config.cache.maxEntryBytes)
    : undefined;
  let accepting = true;
  const routeOptions: RouteOptions = {
    registry,
    metrics,
    cache,
    accepting: () => accepting,
    config,
    monitoring,
    storeOptions: options.storeOptions,
  };

  const app = new Koa();
  app.proxy = false;
  app.silent = true; // errors are logged by errorHandler, never printed raw
  app.use(observe(logger, metrics));
  app.use(errorHandler());
  app.use(async (ctx, next) => {
    ctx.set("X-Content-Type-Options", "nosniff");
    if (!accepting) ctx.set("Connection", "close");
    return next();
  });
  const steps = inferenceSteps({ metrics, accepting: () => accepting, config });
  app.use(tableRouter(routeTable(routeOptions), steps));

  const { limits } = config;
  const callback = app.callback();
  const handler: RequestListener = (req, res) => {
    if (req.headers.host === undefined && req.httpVersion === "1.1") return refuseNoHost(res);
    void callback(req, res);
  };

  let server: Server | undefined;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      accepting = false;
      if (server?.listening) {
        const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
        server.closeIdleConnections();
        // keep-alive sockets that go idle after their last response are closed as they do
        const sweep = setInterval(() => server!.closeIdleConnections(), 50);
        await closed;
        clearInterval(sweep);
      }
      await registry.close();
      await cache?.close();
      await monitoring.close();
    })();
    return closing;
  };

  return {
    handler,
    registry,
    metrics,
    logger,
    async listen(port, host = "0.0.0.0") {
      server = createServer(
        {
          headersTimeout: limits.headersTimeoutMs,
          // refused by the handler instead, as JSON like every other refusal
          requireHostHeader: false,
          requestTimeout: limits.requestTimeoutMs,
          keepAliveTimeout: limits.keepAliveTimeoutMs,
        },
        handler,
      );
      server.maxConnections = limits.maxConnections;
      server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
      server.on("clientError", answerClientError);
      server.listen(port, host);
      await new Promise<void>((resolve, reject) => {
        server!.once("listening", resolve);
        server!.once("error", reject);
      });
      const bound = (server.address() as AddressInfo).port;
      logger.info(
        {
          port: bound,
          environment: config.environment,
          models: registry.names(),
          cache: cache?.backendName,
        },
        "listening",
      );
      void registry.loadAll();
      return { port: bound, server };
    },
    reload: (lock) => registry.reload(lock),
    async shutdown(drainDelayMs = 0) {
      accepting = false;
      logger.info({ drainDelayMs }, "draining: readiness is now false");
      if (drainDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, drainDelayMs));
      await close();
      logger.info("stopped");
    },
    close,
  };
}
