import { dirname } from "node:path";
import { pino } from "pino";
import { createInferenceServer, type InferenceServer } from "@lockstep/inference";
import { readLock } from "@lockstep/lockfile";
import { CliError, EXIT } from "../errors.js";
import { lockPath } from "../lock-io.js";
import type { Output } from "../output.js";
import { parseEnvironment, parsePort } from "../params.js";

export interface ServeOptions {
  lock?: string;
  env?: string;
  port?: string;
  host?: string;
  logLevel?: string;
}

export interface RunningServer {
  server: InferenceServer;
  port: number;
  /** Resolves once every model has loaded or failed; true when all are ready. */
  settled: Promise<boolean>;
}

/** Serves the models pinned for an environment; stops cleanly on SIGINT/SIGTERM. */
export async function serve(
  options: ServeOptions,
  out: Output,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningServer> {
  const environment = parseEnvironment(options.env ?? env.LOCKSTEP_ENV);
  const port = parsePort(options.port ?? env.PORT, 8080);
  const path = lockPath(options.lock);
  const lock = await readLock(path);
  const pinned = Object.entries(lock.models).filter(([, m]) => m.pins[environment]);
  if (pinned.length === 0) {
    throw new CliError(
      `no model is pinned for "${environment}" in ${path}; pin one with: lockstep train <model> --env ${environment} --pin`,
      EXIT.failure,
      "NOTHING_PINNED",
    );
  }
  const level = options.logLevel ?? env.LOG_LEVEL ?? "info";
  const server = createInferenceServer({
    lock,
    environment,
    storeOptions: { baseDir: dirname(path) },
    logger: pino({ name: "lockstep-inference", level }),
  });
  let bound: number;
  try {
    bound = (await server.listen(port, options.host ?? "0.0.0.0")).port;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "EADDRINUSE")
      throw new CliError(
        `port ${port} is in use: choose another with --port or PORT`,
        EXIT.failure,
        "PORT_IN_USE",
      );
    throw error;
  }
  out.progress(
    `serving ${pinned.map(([name]) => name).join(", ")} (${environment}) on port ${bound}; loading models`,
  );
  const stop = (signal: string) => {
    out.progress(`${signal}: stopping`);
    void server.close().then(() => process.exit(EXIT.ok));
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
  const settled = (async () => {
    await server.registry.settled();
    for (const status of server.registry.statuses()) {
      if (status.state === "failed")
        out.warn(`${status.name} v${status.version} is not serving: ${status.error?.message}`);
    }
    return server.registry.ready();
  })();
  return { server, port: bound, settled };
}
