import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Koa from "koa";
import { pino, type Logger } from "pino";
import type { LockFile } from "@lockstep/lockfile";
import type { ServableSpec } from "@lockstep/models";
import type { OpenStoreOptions } from "@lockstep/store";
import type { BatchingOptions } from "./batching/batcher.js";
import type { CacheBackend } from "./cache/backend.js";
import { ResponseCache } from "./cache/response-cache.js";
import type { BodyLimits } from "./inference-steps/read-body.js";
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
  environment: string;
  storeOptions?: OpenStoreOptions;
  logger?: Logger;
  /** Body size limits per content type and the JSON depth limit. */
  bodyLimits?: BodyLimits;
  /** A request running longer than this is answered 504 and its inference dropped (default 30 s). */
  requestTimeoutMs?: number;
  /** Inference requests in progress at once before the server sheds load with 503 (default 512). */
  maxInFlight?: number;
  /** Of those, the most one client (remote address) may hold (default 0: no per-client cap). */
  maxInFlightPerClient?: number;
  /** A request body not received in full by then is answered 408, its slot given back (default 10 s). */
  bodyTimeoutMs?: number;
  /** Request bodies being received at once, apart from the inference slots (default 1024). */
  maxReceiving?: number;
  /** Largest answer in bytes of JSON; a request asking for more is answered 413 (default 16 MiB). */
  maxAnswerBytes?: number;
  /** Connection limits of the listener (see ServerLimits). */
  limits?: Partial<ServerLimits>;
  /** Micro-batching per model, over each model spec's defaults. */
  batching?: Record<string, Partial<BatchingOptions>>;
  /** Response cache backend (LruCache, RedisCache); none = no cache. maxEntryBytes: largest answer cached. */
  cache?: { backend: CacheBackend; ttlSeconds: number; maxEntryBytes?: number };
  /** onnxruntime intra-op threads per session (default: each spec's, else 1). */
  intraOpThreads?: number;
  /** Sessions side by side per model, each in its own worker thread (default: each spec's, else 1). */
  instances?: number;
  /** false: every run goes to a worker thread, even for models whose spec allows inline runs. */
  inline?: boolean;
  /** Pinned models still being built: unready until `reload` brings them (hot add). */
  pending?: string[];
  /** The models this server can serve, by name: code and settings, nothing else (default: Lockstep's registry). */
  specs?: Readonly<Record<string, ServableSpec>>;
}

/** What the listener itself allows, whatever the route. */
export interface ServerLimits {
  /** Time to receive a request's headers (default 10 s); node answers 408 past it. */
  headersTimeoutMs: number;
  /** Time to receive a whole request (default 60 s), a backstop behind the body deadline. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this (default 5 s). */
  keepAliveTimeoutMs: number;
  /** Open connections at once; more are refused at accept (default 10,000). */
  maxConnections: number;
  /** Requests one keep-alive connection may carry before it is closed (default 0: no limit). */
  maxRequestsPerSocket: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 10_000,
  maxRequestsPerSocket: 0,
};

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
  const logger = options.logger ?? pino({ name: "lockstep-inference" });
  const metrics = createMetrics();
  const registry = new ModelRegistry({
    lock: options.lock,
    environment: options.environment,
    storeOptions: options.storeOptions,
    logger,
    metrics,
    batching: options.batching,
    threads: options.intraOpThreads,
    instances: options.instances,
    inline: options.inline,
    pending: options.pending,
    specs: options.specs,
  });
  const cache = options.cache
    ? new ResponseCache(options.cache.backend, metrics, options.cache.ttlSeconds, options.cache.maxEntryBytes)
    : undefined;
  let accepting = true;
  const routeOptions: RouteOptions = {
    registry,
    metrics,
    cache,
    accepting: () => accepting,
    maxAnswerBytes: options.maxAnswerBytes,
    jsonDepth: options.bodyLimits?.jsonDepth,
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
  const steps = inferenceSteps({
    metrics,
    accepting: () => accepting,
    bodyLimits: options.bodyLimits,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    maxInFlight: options.maxInFlight ?? 512,
    maxInFlightPerClient: options.maxInFlightPerClient ?? 0,
    bodyTimeoutMs: options.bodyTimeoutMs ?? 10_000,
    maxReceiving: options.maxReceiving ?? 1024,
  });
  app.use(tableRouter(routeTable(routeOptions), steps));

  const limits = { ...DEFAULT_SERVER_LIMITS, ...options.limits };
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
          environment: options.environment,
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
