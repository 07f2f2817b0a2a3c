import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import Koa from "koa";
import { pino, type Logger } from "pino";
import type { LockFile } from "@lockstep/lockfile";
import type { OpenStoreOptions } from "@lockstep/store";
import { createMetrics, type Metrics } from "./metrics.js";
import { errorHandler } from "./middleware/errors.js";
import { jsonBody } from "./middleware/json-body.js";
import { observe } from "./middleware/observe.js";
import { ModelRegistry } from "./model-registry.js";
import { openInferenceRoutes } from "./open-inference/routes.js";
import { routes } from "./routes.js";

export interface ServerOptions {
  lock: LockFile;
  environment: string;
  storeOptions?: OpenStoreOptions;
  logger?: Logger;
  /** Largest JSON body in bytes (default 1 MiB). */
  bodyLimit?: number;
}

export interface InferenceServer {
  app: Koa;
  registry: ModelRegistry;
  metrics: Metrics;
  logger: Logger;
  /** Starts listening (port 0 = any free port) and begins loading models. */
  listen(port: number, host?: string): Promise<{ port: number; server: Server }>;
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
  });
  const router = routes(registry, metrics);
  const app = new Koa();
  app.proxy = false;
  app.silent = true; // errors are logged by errorHandler, never printed raw
  app.use(observe(logger, metrics));
  app.use(errorHandler());
  app.use(jsonBody({ limit: options.bodyLimit }));
  app.use(router.routes());
  app.use(router.allowedMethods());
  const v2 = openInferenceRoutes(registry, metrics);
  app.use(v2.routes());
  app.use(v2.allowedMethods());

  let server: Server | undefined;
  return {
    app,
    registry,
    metrics,
    logger,
    async listen(port, host = "0.0.0.0") {
      server = app.listen(port, host);
      await new Promise<void>((resolve, reject) => {
        server!.once("listening", resolve);
        server!.once("error", reject);
      });
      server.headersTimeout = 20_000;
      server.requestTimeout = 30_000;
      const bound = (server.address() as AddressInfo).port;
      logger.info({ port: bound, environment: options.environment, models: registry.names() }, "listening");
      void registry.loadAll();
      return { port: bound, server };
    },
    async close() {
      if (server) {
        server.closeIdleConnections?.();
        await new Promise<void>((resolve) => server!.close(() => resolve()));
      }
      await registry.close();
    },
  };
}
