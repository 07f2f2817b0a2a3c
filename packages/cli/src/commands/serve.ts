import {
  cgroupMemoryLimit,
  ConfigError,
  configFromEnv,
  serveLock,
  serverLogger,
  type InferenceServer,
  type ServerConfig,
} from "@lockstep/inference";
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
  /** Pinned models still being built: unready until a reload brings them (see demo). */
  pending?: string[];
}

export interface RunningServer {
  server: InferenceServer;
  port: number;
  /** Resolves once every model has loaded or failed; true when all are ready. */
  settled: Promise<boolean>;
}

/**
 * Serves the models pinned for an environment, configured by the same environment variables as
 * the container: hot swap on SIGHUP or a lock change, drain on SIGINT/SIGTERM.
 */
export async function serve(
  options: ServeOptions,
  out: Output,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningServer> {
  const environment = parseEnvironment(options.env ?? env.LOCKSTEP_ENV);
  const port = parsePort(options.port ?? env.PORT, 8080);
  const path = lockPath(options.lock);
  // flags over the environment, then parsed once like the container's
  let config: ServerConfig;
  try {
    config = configFromEnv(
      { ...env, LOCKSTEP_LOCK: path, LOCKSTEP_ENV: environment, PORT: String(port) },
      { cgroupLimit: cgroupMemoryLimit() },
    );
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, EXIT.usage, error.code);
    throw error;
  }
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
  let server: InferenceServer;
  let bound: number;
  try {
    ({ server, port: bound } = await serveLock({
      config,
      host: options.host ?? "0.0.0.0",
      logger: serverLogger({ level }),
      pending: options.pending,
    }));
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
