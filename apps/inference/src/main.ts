// The container entry point: configuration by environment only (see docs/api.md, Server configuration).
//   LOCKSTEP_LOCK (default models.lock.json), LOCKSTEP_ENV (default staging), PORT (default 8080)
import { resolve } from "node:path";
import { pino } from "pino";
import { configFromEnv } from "./config.js";
import { serveLock } from "./serve-lock.js";

const logger = pino({ name: "lockstep-inference", level: process.env.LOG_LEVEL ?? "info" });
try {
  await serveLock({
    lockPath: resolve(process.env.LOCKSTEP_LOCK ?? "models.lock.json"),
    environment: process.env.LOCKSTEP_ENV ?? "staging",
    port: configFromEnv(process.env).port,
    logger,
  });
} catch (error) {
  logger.fatal({ code: (error as { code?: string }).code, err: (error as Error).message }, "cannot start");
  process.exit(1);
}
