import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { resolve } from "node:path";
import { ConfigError, configFromEnv, configWith, LruCache, RedisCache } from "../src/index.js";
import { cacheBackend } from "../src/config.js";

describe("server configuration from the environment", () => {
  it("has sane defaults", () => {
    const config = configFromEnv({});
    expect(config).toMatchObject({
      port: 8080,
      requestTimeoutMs: 30_000,
      maxInFlight: 512,
      batching: {},
      cache: {
        kind: "memory",
        ttlSeconds: 300,
        maxEntries: 10_000,
        maxBytes: 64 * 1024 * 1024,
        maxEntryBytes: 1024 * 1024,
      },
      bodyTimeoutMs: 10_000,
      maxReceiving: 1024,
      maxInFlightPerClient: 0,
      maxAnswerBytes: 16 * 1024 * 1024,
      limits: {
        headersTimeoutMs: 10_000,
        requestTimeoutMs: 60_000,
        keepAliveTimeoutMs: 5_000,
        maxConnections: 10_000,
        maxRequestsPerSocket: 0,
      },
      intraOpThreads: undefined,
      instances: undefined,
      inline: true,
      drainDelayMs: 0,
      watchLockMs: 2000,
      bodyLimits: { json: 1024 * 1024, image: 20 * 1024 * 1024, binary: 32 * 1024 * 1024, jsonDepth: 32 },
    });
    expect(cacheBackend(config.cache, pino({ level: "silent" }))).toBeInstanceOf(LruCache);
    expect(
      cacheBackend(configFromEnv({ LOCKSTEP_CACHE: "off" }).cache, pino({ level: "silent" })),
    ).toBeUndefined();
  });

  it("uses Redis when REDIS_URL is set, and reads per-model batching", async () => {
    const config = configFromEnv({
      REDIS_URL: "redis://127.0.0.1:1",
      LOCKSTEP_BATCHING:
        '{"co2-forecast": {"maxBatch": 16, "maxWaitMs": 2, "enabled": true}, "fish-classifier": false}',
    });
    expect(config.cache.kind).toBe("redis");
    expect(config.batching).toEqual({
      "co2-forecast": { maxBatch: 16, maxWaitMs: 2, enabled: true },
      "fish-classifier": { enabled: false },
    });
    const backend = cacheBackend(config.cache, pino({ level: "silent" }))!;
    expect(backend).toBeInstanceOf(RedisCache);
    await backend.close();
  });

  it("reads the sessions per model and the threads inside each", () => {
    expect(configFromEnv({ LOCKSTEP_INSTANCES: "2", LOCKSTEP_THREADS: "1" })).toMatchObject({
      instances: 2,
      intraOpThreads: 1,
    });
    expect(configFromEnv({ LOCKSTEP_INLINE: "off" }).inline).toBe(false);
    expect(configFromEnv({ LOCKSTEP_INLINE: " ON " }).inline).toBe(true);
  });

  it.each([
    [{ PORT: "http" }, /PORT must be an integer from 0 to 65535/],
    [{ PORT: "70000" }, /PORT must be an integer/],
    [{ LOCKSTEP_MAX_BINARY_BYTES: "-1" }, /LOCKSTEP_MAX_BINARY_BYTES/],
    [{ LOCKSTEP_MAX_IN_FLIGHT: "0" }, /LOCKSTEP_MAX_IN_FLIGHT must be an integer from 1/],
    [{ LOCKSTEP_REQUEST_TIMEOUT_MS: "soon" }, /LOCKSTEP_REQUEST_TIMEOUT_MS/],
    [{ LOCKSTEP_CACHE_TTL: "1.5" }, /LOCKSTEP_CACHE_TTL/],
    [{ LOCKSTEP_MAX_JSON_BYTES: "1e12" }, /LOCKSTEP_MAX_JSON_BYTES/],
    [{ LOCKSTEP_CACHE: "disk" }, /off, memory or redis/],
    [{ LOCKSTEP_CACHE: "redis" }, /needs REDIS_URL/],
    [{ REDIS_URL: "http://cache:6379" }, /redis:\/\//],
    [{ LOCKSTEP_INSTANCES: "0" }, /LOCKSTEP_INSTANCES must be an integer from 1 to 64/],
    [{ LOCKSTEP_INSTANCES: "two" }, /LOCKSTEP_INSTANCES must be an integer/],
    [{ LOCKSTEP_INSTANCES: "1000" }, /LOCKSTEP_INSTANCES must be an integer from 1 to 64/],
    [{ LOCKSTEP_INLINE: "yes" }, /LOCKSTEP_INLINE must be on or off, got "yes"/],
    [{ LOCKSTEP_INLINE: "0" }, /LOCKSTEP_INLINE must be on or off/],
    [{ LOCKSTEP_BATCHING: "{nope" }, /not JSON/],
    [{ LOCKSTEP_BATCHING: "[1]" }, /must be an object/],
    [{ LOCKSTEP_BATCHING: '{"m": 3}' }, /true, false or an object/],
    [{ LOCKSTEP_BATCHING: '{"m": {"maxBatch": 0}}' }, /maxBatch must be an integer from 1/],
    [{ LOCKSTEP_BATCHING: '{"m": {"maxBatch": "8"}}' }, /maxBatch must be an integer/],
    [{ LOCKSTEP_BATCHING: '{"m": {"turbo": 1}}' }, /unknown setting "turbo"/],
    [{ LOCKSTEP_BATCHING: '{"m": {"enabled": "yes"}}' }, /enabled must be a boolean/],
    [{ LOCKSTEP_BATCHING: '{"__proto__": {"maxBatch": 8}}' }, /"__proto__" is not a model name/],
    [{ LOCKSTEP_BODY_TIMEOUT_MS: "0" }, /LOCKSTEP_BODY_TIMEOUT_MS must be an integer from 10/],
    [{ LOCKSTEP_CACHE_BYTES: "1.5" }, /LOCKSTEP_CACHE_BYTES must be an integer/],
    [{ LOCKSTEP_MAX_ANSWER_BYTES: "-1" }, /LOCKSTEP_MAX_ANSWER_BYTES/],
    [{ LOCKSTEP_MAX_CONNECTIONS: "0" }, /LOCKSTEP_MAX_CONNECTIONS/],
    [{ LOCKSTEP_MAX_IN_FLIGHT_PER_CLIENT: "many" }, /LOCKSTEP_MAX_IN_FLIGHT_PER_CLIENT/],
    [{ LOCKSTEP_HEADERS_TIMEOUT_MS: "9".repeat(400) }, /LOCKSTEP_HEADERS_TIMEOUT_MS/],
    [{ LOCKSTEP_ENV: "Production" }, /LOCKSTEP_ENV must be a lowercase name/],
    [{ LOCKSTEP_ENV: "../../etc" }, /LOCKSTEP_ENV/],
    [{ LOCKSTEP_ENV: "x".repeat(100) }, /LOCKSTEP_ENV/],
    [{ LOCKSTEP_LOCK: "models\0.json" }, /LOCKSTEP_LOCK is not a path/],
    [{ LOCKSTEP_PREDICTION_LOG: "kafka" }, /LOCKSTEP_PREDICTION_LOG must be off, jsonl or clickhouse/],
    [{ LOCKSTEP_PREDICTION_LOG: "clickhouse" }, /needs LOCKSTEP_CLICKHOUSE_URL/],
    [{ LOCKSTEP_CLICKHOUSE_URL: "tcp://ch:9000" }, /must be an http:\/\/ or https:\/\/ URL/],
    [
      { LOCKSTEP_PREDICTION_LOG_SAMPLE: "1.5" },
      /LOCKSTEP_PREDICTION_LOG_SAMPLE must be a number from 0 to 1/,
    ],
    [{ LOCKSTEP_PREDICTION_LOG_SAMPLE: "NaN" }, /LOCKSTEP_PREDICTION_LOG_SAMPLE/],
    [{ LOCKSTEP_PREDICTION_LOG_SAMPLE: "-0.1" }, /LOCKSTEP_PREDICTION_LOG_SAMPLE/],
    [{ LOCKSTEP_PREDICTION_LOG_QUEUE: "0" }, /LOCKSTEP_PREDICTION_LOG_QUEUE/],
    [{ LOCKSTEP_PREDICTION_LOG_DIR: "a\0b" }, /LOCKSTEP_PREDICTION_LOG_DIR is not a path/],
    [{ LOCKSTEP_DRIFT_WINDOW: "5" }, /LOCKSTEP_DRIFT_WINDOW/],
    [{ LOCKSTEP_DRIFT_WINDOW: "50", LOCKSTEP_DRIFT_MIN: "80" }, /must not exceed LOCKSTEP_DRIFT_WINDOW/],
  ])("refuses %j", (env, message) => {
    expect(() => configFromEnv(env)).toThrow(ConfigError);
    expect(() => configFromEnv(env)).toThrow(message);
  });
});

describe("one configuration, parsed once", () => {
  it("reads the lock, environment and port with everything else", () => {
    const config = configFromEnv({
      LOCKSTEP_LOCK: "deploy/models.lock.json",
      LOCKSTEP_ENV: "production",
      PORT: "9000",
    });
    expect(config).toMatchObject({
      lockPath: resolve("deploy/models.lock.json"),
      environment: "production",
      port: 9000,
    });
    expect(configFromEnv({})).toMatchObject({
      lockPath: resolve("models.lock.json"),
      environment: "staging",
    });
  });

  it("logs predictions to JSON Lines beside the lock by default, to ClickHouse when given its URL", () => {
    expect(configFromEnv({ LOCKSTEP_LOCK: "/srv/models.lock.json" }).predictionLog).toEqual({
      kind: "jsonl",
      dir: "/srv/.lockstep/predictions",
      url: undefined,
      sampleRate: 1,
      maxQueue: 10_000,
    });
    expect(
      configFromEnv({
        LOCKSTEP_CLICKHOUSE_URL: "http://ch:8123/lockstep",
        LOCKSTEP_PREDICTION_LOG_SAMPLE: "0.25",
      }).predictionLog,
    ).toMatchObject({ kind: "clickhouse", url: "http://ch:8123/lockstep", sampleRate: 0.25 });
    expect(configFromEnv({ LOCKSTEP_PREDICTION_LOG: "off" }).predictionLog.kind).toBe("off");
    expect(configFromEnv({}).drift).toEqual({ window: 1000, minCount: 100 });
    expect(configFromEnv({ LOCKSTEP_DRIFT_WINDOW: "50" }).drift).toEqual({ window: 50, minCount: 50 });
  });

  it("sets a few settings over the defaults, nested groups merged", () => {
    const config = configWith({ maxInFlight: 3, bodyLimits: { json: 2048 }, cache: { ttlSeconds: 5 } });
    const defaults = configFromEnv({});
    expect(config).toEqual({
      ...defaults,
      maxInFlight: 3,
      bodyLimits: { ...defaults.bodyLimits, json: 2048 },
      cache: { ...defaults.cache, ttlSeconds: 5 },
    });
  });
});

describe("in-process LRU", () => {
  it("bounds its entries by bytes: the oldest go, one larger than the budget is never stored", async () => {
    const lru = new LruCache<string>(1000, 10_000);
    for (let i = 0; i < 20; i++) await lru.set(`k${i}`, "x".repeat(1000), 60);
    expect(lru.bytes).toBeLessThanOrEqual(10_000);
    expect(lru.size).toBeLessThan(20);
    expect(await lru.get("k19")).toBeDefined();
    expect(await lru.get("k0")).toBeUndefined();
    await lru.set("huge", "x".repeat(20_000), 60);
    expect(await lru.get("huge")).toBeUndefined();
    expect(await lru.get("k19")).toBeDefined();
    await lru.set("k19", "y", 60); // replacing an entry gives its bytes back
    expect(lru.bytes).toBeLessThanOrEqual(10_000);
  });

  it("evicts the least recently used entry and expires entries by TTL", async () => {
    const lru = new LruCache<string>(2);
    await lru.set("a", "1", 60);
    await lru.set("b", "2", 60);
    expect(await lru.get("a")).toBe("1"); // a is now the most recent
    await lru.set("c", "3", 60);
    expect([await lru.get("a"), await lru.get("b"), await lru.get("c")]).toEqual(["1", undefined, "3"]);
    await lru.set("d", "4", 0);
    expect(await lru.get("d")).toBeUndefined();
    expect(lru.size).toBeLessThanOrEqual(2);
  });
});
