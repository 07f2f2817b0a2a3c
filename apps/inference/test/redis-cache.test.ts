import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { pino } from "pino";
import type { LockFile } from "@lockstep/lockfile";
import { RedisCache } from "../src/index.js";
import { startServer, trainedProject } from "./fixture.js";
import { inCi } from "../../../packages/deploy/test/tools.js";

const hasRedis = spawnSync("redis-server", ["--version"]).status === 0;
if (!hasRedis)
  console.warn(
    "skipping the Redis cache tests: redis-server is not installed (apt-get install redis-server)",
  );

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A throwaway redis-server on loopback, no persistence. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      if (String(chunk).includes("Ready to accept connections")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`redis-server exited ${code}`)));
  });
  return child;
}

const stopRedis = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });

// skipped only off CI: under CI=true a missing server fails the suite, named (.ci/run installs it)
describe.skipIf(!hasRedis && !inCi())("Redis response cache", () => {
  beforeAll(() => {
    if (!hasRedis)
      throw new Error(
        "redis-server is not installed: CI=true requires the Redis cache tests to run (.ci/run installs redis-server)",
      );
  });
  let dir: string;
  let lock: LockFile;
  let redis: ChildProcess | undefined;
  let port: number;

  beforeAll(async () => {
    ({ dir, lock } = await trainedProject());
    port = await freePort();
    redis = await startRedis(port);
  }, 120_000);
  afterAll(async () => {
    if (redis) await stopRedis(redis);
  });

  it("shares answers through Redis and keeps serving through a Redis outage (fail-open)", async () => {
    const backend = new RedisCache(`redis://127.0.0.1:${port}`, pino({ level: "silent" }));
    const { server, url, waitReady } = await startServer(lock, dir, {
      cacheBackend: backend,
      config: { cache: { ttlSeconds: 30 } },
    });
    await waitReady();
    await backend.whenConnected(); // before that, requests are served without the cache (by design)
    const predict = async (horizon: number) => {
      const response = await fetch(`${url}/v1/models/co2-forecast/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ horizon }),
      });
      return {
        status: response.status,
        body: (await response.json()) as { cached: boolean; forecast: unknown[] },
      };
    };
    const first = await predict(4);
    await new Promise((r) => setTimeout(r, 50)); // the cache write is not awaited by the answer
    const second = await predict(4);
    expect([first.body.cached, second.body.cached]).toEqual([false, true]);
    expect(second.body.forecast).toEqual(first.body.forecast);

    await stopRedis(redis!);
    redis = undefined;
    const during = await Promise.all([4, 5, 6, 4, 5, 6].map(predict));
    expect(during.map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(during.every((r) => r.body.cached === false)).toBe(true);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const errors = Number(
      /lockstep_cache_errors_total\{backend="redis",operation="get"\} (\d+)/.exec(metrics)?.[1],
    );
    expect(errors).toBeGreaterThanOrEqual(6);

    redis = await startRedis(port); // back: the client reconnects by itself, the cache works again
    await backend.whenConnected();
    await predict(9);
    await new Promise((r) => setTimeout(r, 50));
    expect((await predict(9)).body.cached).toBe(true);
    await server.close();
  }, 30_000);

  it("answers from the model when a stored entry is corrupt, and counts it as a decode error", async () => {
    const backend = new RedisCache(`redis://127.0.0.1:${port}`, pino({ level: "silent" }));
    const { server, url, waitReady } = await startServer(lock, dir, {
      cacheBackend: backend,
      config: { cache: { ttlSeconds: 30 } },
    });
    await waitReady();
    await backend.whenConnected();
    const predict = async () => {
      const response = await fetch(`${url}/v1/models/co2-forecast/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ horizon: 3 }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const first = await predict();
    await new Promise((r) => setTimeout(r, 50));
    const client = new Redis(`redis://127.0.0.1:${port}`);
    const keys = await client.keys("lockstep:*");
    expect(keys.length).toBeGreaterThan(0);
    const decodeErrors = async () =>
      Number(
        /lockstep_cache_errors_total\{backend="redis",operation="decode"\} (\d+)/.exec(
          await (await fetch(`${url}/metrics`)).text(),
        )?.[1] ?? 0,
      );
    for (const [n, garbage] of ["not json", "[1,2]", "null", '{"forecast": '].entries()) {
      for (const key of keys) await client.set(key, garbage);
      const answer = await predict();
      expect(answer.status).toBe(200);
      expect(answer.body.cached).toBe(false);
      expect(answer.body.forecast).toEqual(first.body.forecast);
      expect(await decodeErrors()).toBe(n + 1);
      await new Promise((r) => setTimeout(r, 50)); // the fresh answer's write lands before the next garbage
    }
    client.disconnect();
    await server.close();
  }, 30_000);

  it("counts a Redis that stops answering, once connected, as errors, not failures", async () => {
    // a Redis of its own: it is stopped (SIGSTOP) mid-test, its connection kept open
    const stalledPort = await freePort();
    const stalled = await startRedis(stalledPort);
    const backend = new RedisCache(`redis://127.0.0.1:${stalledPort}`, pino({ level: "silent" }));
    const { server, url, waitReady } = await startServer(lock, dir, {
      cacheBackend: backend,
      config: { cache: { ttlSeconds: 30 } },
    });
    try {
      await waitReady();
      await backend.whenConnected();
      const predict = async (horizon: number) => {
        const started = performance.now();
        const response = await fetch(`${url}/v1/models/co2-forecast/predict`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ horizon }),
          // a request held by the cache fails here, not at the test's timeout (the cleanup still runs)
          signal: AbortSignal.timeout(5_000),
        });
        const body = (await response.json()) as { cached: boolean; forecast: unknown[] };
        return { status: response.status, body, ms: performance.now() - started };
      };
      const errors = async (operation: string) =>
        Number(
          new RegExp(`lockstep_cache_errors_total\\{backend="redis",operation="${operation}"\\} (\\d+)`).exec(
            await (await fetch(`${url}/metrics`)).text(),
          )?.[1] ?? 0,
        );
      // answering: the cache works, nothing is counted
      await predict(2);
      await new Promise((r) => setTimeout(r, 50));
      expect((await predict(2)).body.cached).toBe(true);
      expect([await errors("get"), await errors("set")]).toEqual([0, 0]);

      stalled.kill("SIGSTOP"); // connected, and silent: each command waits for its 100 ms timeout
      const during = [];
      for (const horizon of [3, 4, 5, 2]) during.push(await predict(horizon));
      expect(during.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      expect(during.map((r) => r.body.cached)).toEqual([false, false, false, false]);
      // each waited for the command timeout (so Redis was reached, not refused), and no longer
      for (const { ms } of during) {
        expect(ms).toBeGreaterThanOrEqual(90);
        expect(ms).toBeLessThan(2000);
      }
      expect(await errors("get")).toBe(4);
      await new Promise((r) => setTimeout(r, 300)); // the background writes time out too
      expect(await errors("set")).toBe(4);
    } finally {
      stalled.kill("SIGCONT");
      await server.close();
      await stopRedis(stalled);
    }
  }, 30_000);
});
