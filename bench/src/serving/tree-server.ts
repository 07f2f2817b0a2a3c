// One inference server process for bench:compare: the server of the source tree at TREE, serving
// LOCKSTEP_LOCK on PORT as the container does (configuration from the environment). Trees from
// before the config was parsed once (no configWith) take the lock, environment and port apart.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pino, type Logger } from "pino";

const tree = process.env.TREE!;
const { serveLock } = (await import(join(tree, "apps/inference/src/serve-lock.ts"))) as {
  serveLock: (options: Record<string, unknown>) => Promise<unknown>;
};
const { configFromEnv, configWith } = (await import(join(tree, "apps/inference/src/config.ts"))) as {
  configFromEnv: (env: NodeJS.ProcessEnv) => Record<string, unknown>;
  configWith?: unknown;
};
// the tree's own server logger where it has one (buffered writes since 15922e5), else pino's default
const level = process.env.LOG_LEVEL ?? "info";
const treeLogger = join(tree, "apps/inference/src/logger.ts");
const logger: Logger = existsSync(treeLogger)
  ? ((await import(treeLogger)) as { serverLogger: (o: { level: string }) => Logger }).serverLogger({ level })
  : pino({ name: "lockstep-inference", level });
const common = { host: "127.0.0.1", logger: logger.child({ tree: process.env.TREE_NAME }), signals: false };
await serveLock(
  configWith
    ? { config: configFromEnv({ ...process.env, LOCKSTEP_ENV: "staging" }), ...common }
    : {
        lockPath: process.env.LOCKSTEP_LOCK!,
        environment: "staging",
        port: Number(process.env.PORT ?? 0),
        ...common,
      },
);
