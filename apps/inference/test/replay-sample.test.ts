import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import type { LockFile } from "@lockstep/lockfile";
import { readReplaySample } from "@lockstep/monitor";
import { configFromEnv, configWith, LruCache, replaySampleFrom } from "../src/index.js";
import { createMetrics } from "../src/metrics.js";
import type { LoadedModel } from "../src/model-registry.js";
import { Monitoring } from "../src/monitoring.js";
import { startServer, trainedProject } from "./fixture.js";

let dir: string;
let lock: LockFile;
beforeAll(async () => {
  ({ dir, lock } = await trainedProject());
}, 240_000);

describe("the replay sample in the server", () => {
  let url: string;
  let replayDir: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    replayDir = join(await mkdtemp(join(tmpdir(), "lockstep-replay-")), "replay");
    const config = configWith({
      predictionLog: { kind: "off" },
      replay: { kind: "jsonl", dir: replayDir, sampleRate: 1, maxPerDay: 7 },
    });
    const started = await startServer(lock, dir, {
      config: { predictionLog: config.predictionLog, replay: config.replay },
      replaySample: replaySampleFrom(config.replay, pino({ level: "silent" })),
      cacheBackend: new LruCache(1000),
    });
    url = started.url;
    close = () => started.server.close();
    await started.waitReady();
  });
  afterAll(() => close());

  it("keeps answered requests' bodies as received, cache hits included, up to the day's cap", async () => {
    const send = (body: string) =>
      fetch(`${url}/v1/models/co2-forecast/predict`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-request-id": `req-${body.length}-${Math.random()}`,
        },
        body,
      });
    for (let h = 1; h <= 5; h++) expect((await send(`{"horizon": ${h}}`)).status).toBe(200);
    // the same body again: answered from the cache, sampled all the same
    expect((await send(`{"horizon": 5}`)).status).toBe(200);
    // refused requests are not sampled: only what the model answered
    expect((await send(`{"horizon": "x"}`)).status).toBe(400);
    for (let h = 6; h <= 10; h++) expect((await send(`{"horizon":${h}}`)).status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/lockstep_replay_sampled_total 7/);
    expect(metrics).toMatch(/lockstep_replay_skipped_total\{reason="capped"\} 4/);
    await close();
    const pin = lock.models["co2-forecast"]!.pins.staging!;
    const read = await readReplaySample(replayDir, { model: "co2-forecast", sha256: pin.sha256 });
    expect(read.requests.map((r) => r.request)).toEqual(
      [1, 2, 3, 4, 5, 5, 6].map((horizon) => ({ horizon })),
    );
    expect(read.requests[0]).toMatchObject({
      model: "co2-forecast",
      version: pin.version,
      route: "/v1/models/co2-forecast/predict",
      kind: "json",
    });
    expect(await readdir(replayDir)).toHaveLength(1);
  });
});

describe("the replay sample's settings", () => {
  it("follows the prediction log by default, samples 5% of requests, and refuses bad values", () => {
    const config = configFromEnv({ LOCKSTEP_LOCK: "/srv/models.lock.json" });
    expect(config.replay).toMatchObject({
      kind: "jsonl",
      dir: "/srv/.lockstep/replay",
      sampleRate: 0.05,
      maxPerDay: 2000,
      maxBodyBytes: 65_536,
      images: false,
      retentionDays: 14,
    });
    expect(config.replay.maxQueueBytes).toBe(16 * 1024 * 1024);
    // the queue's bytes come from the memory budget: 1/64 of a 256 MiB pod
    expect(configFromEnv({}, { cgroupLimit: 256 * 1024 * 1024 }).replay.maxQueueBytes).toBe(4 * 1024 * 1024);
    expect(configFromEnv({ LOCKSTEP_PREDICTION_LOG: "off" }).replay.kind).toBe("off");
    expect(
      configFromEnv({ LOCKSTEP_CLICKHOUSE_URL: "http://ch:8123/lockstep", LOCKSTEP_REPLAY_IMAGES: "on" })
        .replay,
    ).toMatchObject({ kind: "clickhouse", url: "http://ch:8123/lockstep", images: true });
    for (const [env, message] of [
      [{ LOCKSTEP_REPLAY: "kafka" }, /LOCKSTEP_REPLAY must be on, off, jsonl or clickhouse/],
      [{ LOCKSTEP_REPLAY: "clickhouse" }, /needs LOCKSTEP_CLICKHOUSE_URL/],
      [{ LOCKSTEP_REPLAY_SAMPLE: "2" }, /LOCKSTEP_REPLAY_SAMPLE/],
      [{ LOCKSTEP_REPLAY_MAX_PER_DAY: "0" }, /LOCKSTEP_REPLAY_MAX_PER_DAY/],
      [{ LOCKSTEP_REPLAY_IMAGES: "yes" }, /LOCKSTEP_REPLAY_IMAGES must be on or off/],
      [{ LOCKSTEP_REPLAY_RETENTION_DAYS: "0" }, /LOCKSTEP_REPLAY_RETENTION_DAYS/],
    ] as const)
      expect(() => configFromEnv(env as NodeJS.ProcessEnv)).toThrow(message);
  });

  it("takes an image's bytes only with images on, as they are (no copy before the record's string)", async () => {
    const model = {
      name: "fish-classifier",
      spec: { serving: {} },
      card: {},
      pin: { version: "2", sha256: "f".repeat(64) },
    } as unknown as LoadedModel;
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2]);
    for (const images of [false, true]) {
      const replayDir = join(await mkdtemp(join(tmpdir(), "lockstep-replay-img-")), "replay");
      const config = configWith({ replay: { kind: "jsonl", dir: replayDir, sampleRate: 1, images } }).replay;
      const sample = replaySampleFrom(config, pino({ level: "silent" }))!;
      const monitoring = new Monitoring(
        createMetrics(),
        () => [model],
        { window: 10, minCount: 5 },
        undefined,
        sample,
      );
      monitoring.sample(model, "img-1", "/v1/models/fish-classifier/predict", false, jpeg);
      await monitoring.close();
      expect(sample.skipped.images).toBe(images ? 0 : 1);
      if (!images) continue;
      const read = await readReplaySample(replayDir, { model: "fish-classifier" });
      expect([...(read.requests[0]!.request as Uint8Array)]).toEqual([...jpeg]);
    }
  });
});
