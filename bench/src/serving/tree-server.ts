// One inference server process for bench:compare: the server of the source tree at TREE, serving
// LOCKSTEP_LOCK on PORT as the container does (configuration from the environment).
import { join } from "node:path";
import { pino } from "pino";
import type { serveLock as ServeLock } from "../../../apps/inference/src/serve-lock.js";

const tree = process.env.TREE!;
const { serveLock } = (await import(join(tree, "apps/inference/src/serve-lock.ts"))) as {
  serveLock: typeof ServeLock;
};
const logger = pino({ name: "lockstep-inference", level: process.env.LOG_LEVEL ?? "info" });
await serveLock({
  lockPath: process.env.LOCKSTEP_LOCK!,
  environment: "staging",
  port: Number(process.env.PORT ?? 0),
  host: "127.0.0.1",
  logger: logger.child({ tree: process.env.TREE_NAME }),
  signals: false,
});
