import type { IEnvVar } from "kubernetes-models/v1";
import type { CacheConfig } from "../config.js";

export const CACHE_DEFAULTS = { redisSecretKey: "url", redisPort: 6380 } as const;

/** REDIS_URL from the environment's Secret: the server then caches in Redis (apps/inference config). */
export function redisUrlVar(cache: CacheConfig): IEnvVar {
  return {
    name: "REDIS_URL",
    valueFrom: {
      secretKeyRef: { name: cache.redisSecret, key: cache.redisSecretKey ?? CACHE_DEFAULTS.redisSecretKey },
    },
  };
}

export const redisPort = (cache: CacheConfig) => cache.redisPort ?? CACHE_DEFAULTS.redisPort;
