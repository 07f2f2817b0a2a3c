export { createInferenceServer, type InferenceServer, type ServerOptions } from "./server.js";
export { ModelRegistry, type LoadedModel, type ModelStatus, type ReloadOutcome } from "./model-registry.js";
export { HttpError } from "./errors.js";
export {
  cacheBackend,
  configFromEnv,
  configWith,
  ConfigError,
  type ConfigOverrides,
  type ServerConfig,
  type ServerLimits,
} from "./config.js";
export { serveLock, type ServeLockOptions } from "./serve-lock.js";
export { serverLogger, type ServerLoggerOptions } from "./logger.js";
export { cgroupMemoryLimit } from "./memory/cgroup-limit.js";
export { memoryBudget, budgetReport, type MemoryBudget } from "./memory/budget.js";
export { LruCache } from "./cache/lru.js";
export { RedisCache } from "./cache/redis.js";
export type { CacheBackend } from "./cache/backend.js";
export { cachedAnswerFromText, CacheDecodeError, type CachedAnswer } from "./cache/cached-answer.js";
export { DEFAULT_BATCHING, type BatchingOptions } from "./batching/batcher.js";
export { openApiDocument } from "./openapi.js";
export { routeTable } from "./route-table/table.js";
export type { Route, ControlRoute, InferenceRoute, RouteDoc } from "./route-table/route.js";
export { predictionLogFrom, replaySampleFrom } from "./monitoring.js";
