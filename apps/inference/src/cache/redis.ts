import { Redis } from "ioredis";
import type { Logger } from "pino";
import type { CacheBackend } from "./backend.js";
import { cachedAnswerFromText, type CachedAnswer } from "./cached-answer.js";

export interface RedisCacheOptions {
  /** How long one command may take before it counts as a failure (ms). */
  commandTimeoutMs?: number;
  /** Prefix of every key, so several deployments can share one Redis. */
  prefix?: string;
}

/**
 * Redis as the cache backend. Commands fail at once while Redis is unreachable (no offline queue,
 * no retries) so a Redis outage costs the server a cache miss, never a request; it reconnects in
 * the background. Answers are stored as their JSON text.
 */
export class RedisCache implements CacheBackend {
  readonly name = "redis";
  private readonly client: Redis;
  private lastLogged = 0;

  constructor(url: string, logger: Logger, options: RedisCacheOptions = {}) {
    this.client = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 100,
      connectTimeout: 1000,
      keyPrefix: options.prefix ?? "lockstep:",
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
    this.client.on("error", (error: Error) => {
      // one line per 10 s at most: an outage must not flood the logs
      if (Date.now() - this.lastLogged < 10_000) return;
      this.lastLogged = Date.now();
      logger.warn({ err: error.message, backend: "redis" }, "response cache unavailable; serving without it");
    });
  }

  /** Resolves once connected (commands fail fast until then: the server never waits for it). */
  whenConnected(): Promise<void> {
    if (this.client.status === "ready") return Promise.resolve();
    return new Promise((resolve) => this.client.once("ready", () => resolve()));
  }

  async get(key: string): Promise<CachedAnswer | undefined> {
    const text = await this.client.get(key);
    return text === null ? undefined : cachedAnswerFromText(text);
  }

  async set(key: string, value: CachedAnswer, ttlSeconds: number): Promise<void> {
    await this.client.set(key, value.json.text, "EX", Math.max(1, Math.round(ttlSeconds)));
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
