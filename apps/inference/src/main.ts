// The container entry point: configuration by environment only, parsed once (see docs/api.md,
// Server configuration): LOCKSTEP_LOCK, LOCKSTEP_ENV, PORT and the limits.
import { configFromEnv } from "./config.js";
import { cgroupMemoryLimit } from "./memory/cgroup-limit.js";
import { serverLogger } from "./logger.js";
import { serveLock } from "./serve-lock.js";

const logger = serverLogger({ level: process.env.LOG_LEVEL ?? "info" });
try {
  await serveLock({ config: configFromEnv(process.env, { cgroupLimit: cgroupMemoryLimit() }), logger });
} catch (error) {
  logger.fatal({ code: (error as { code?: string }).code, err: (error as Error).message }, "cannot start");
  process.exit(1);
}
