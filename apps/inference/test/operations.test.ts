import { spawn, type ChildProcess } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeLock, type LockFile, type Pin } from "@lockstep/lockfile";
import { startServer, trainedProject, trainInto } from "./fixture.js";

let dir: string;
let v1: LockFile;
let v2: LockFile;
let sha1: string;
let sha2: string;

beforeAll(async () => {
  ({ dir, lock: v1 } = await trainedProject());
  ({ lock: v2 } = await trainInto(dir, v1, "co2-forecast", { seed: 7 }));
  sha1 = v1.models["co2-forecast"]!.pins.staging!.sha256;
  sha2 = v2.models["co2-forecast"]!.pins.staging!.sha256;
}, 120_000);

const predict = (url: string, body: unknown = { horizon: 3 }) =>
  fetch(`${url}/v1/models/co2-forecast/predict`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
const HISTORY = Array.from({ length: 60 }, (_, i) => 400 + i / 10);
const infer = (url: string) =>
  fetch(`${url}/v2/models/co2-forecast/infer`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ inputs: [{ name: "history", datatype: "FP32", shape: [1, 60], data: HISTORY }] }),
  });
const slow = { "co2-forecast": { maxWaitMs: 400, maxBatch: 64 } };

describe("protection", () => {
  it("times a request out with 504 and drops its queued inference", async () => {
    const { server, url, waitReady } = await startServer(v1, dir, {
      config: { batching: slow, requestTimeoutMs: 80 },
    });
    await waitReady();
    const response = await predict(url);
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ code: "REQUEST_TIMEOUT" });
    expect(server.registry.get("co2-forecast")!.batcher.depth).toBe(0);
    expect(await (await fetch(`${url}/metrics`)).text()).toContain(
      'lockstep_requests_rejected_total{reason="timeout"} 1',
    );
    await server.close();
  });

  it("sheds load beyond the in-flight limit with 503 and Retry-After, but keeps probes answering", async () => {
    const { server, url, waitReady } = await startServer(v1, dir, {
      config: { batching: slow, maxInFlight: 2 },
    });
    await waitReady();
    const pending = Array.from({ length: 5 }, () => predict(url));
    const probe = await fetch(`${url}/readyz`);
    const statuses = await Promise.all(
      pending.map(async (p) => {
        const r = await p;
        return [r.status, r.headers.get("retry-after"), ((await r.json()) as { code?: string }).code];
      }),
    );
    expect(probe.status).toBe(200);
    expect(statuses.filter(([s]) => s === 200)).toHaveLength(2);
    expect(statuses.filter(([s]) => s === 503)).toEqual(Array(3).fill([503, "1", "OVERLOADED"]));
    await server.close();
  });

  it("sheds requests beyond a model's queue with QUEUE_FULL", async () => {
    const { server, url, waitReady } = await startServer(v1, dir, {
      config: { batching: { "co2-forecast": { ...slow["co2-forecast"], maxQueue: 2 } } },
    });
    await waitReady();
    const results = await Promise.all(Array.from({ length: 4 }, () => predict(url).then((r) => r.status)));
    expect(results.sort()).toEqual([200, 200, 503, 503]);
    await server.close();
  });

  it("merges concurrent requests into one run and still answers each its own", async () => {
    const { server, url, waitReady } = await startServer(v1, dir, {
      config: { batching: { "co2-forecast": { maxWaitMs: 50, maxBatch: 64 } } },
    });
    await waitReady();
    const horizons = [1, 2, 3, 4, 5, 6, 7, 8];
    const answers = await Promise.all(
      horizons.map(
        async (h) => (await (await predict(url, { horizon: h })).json()) as { forecast: unknown[] },
      ),
    );
    expect(answers.map((a) => a.forecast.length)).toEqual(horizons);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/lockstep_inference_batch_size_count\{model="co2-forecast"\} 1\n/);
    expect(metrics).toMatch(/lockstep_inference_batch_size_sum\{model="co2-forecast"\} 8\n/);
    await server.close();
  });
});

describe("inline runs on the server thread", () => {
  const sequential = async (url: string, n: number) => {
    const answers = [];
    for (let i = 0; i < n; i++) answers.push(await (await predict(url, { horizon: 2 })).json());
    return answers;
  };

  it("answers a lone client inline exactly as the worker does, unless turned off or the batcher is asked to wait", async () => {
    const inline = await startServer(v1, dir);
    const off = await startServer(v1, dir, { config: { inline: false } });
    const waits = await startServer(v1, dir, { config: { batching: { "co2-forecast": { maxWaitMs: 1 } } } });
    try {
      await Promise.all([inline, off, waits].map((s) => s.waitReady()));
      const strip = (answers: unknown[]) =>
        answers.map((a) => ({ ...(a as object), processing_time_ms: 0, cached: false }));
      const viaInline = strip(await sequential(inline.url, 3));
      expect(inline.server.registry.get("co2-forecast")!.inlineRuns).toBe(3);
      expect(viaInline[0]).toMatchObject({ model: "co2-forecast", forecast: [{}, {}] });
      expect(strip(await sequential(off.url, 3))).toEqual(viaInline);
      expect(off.server.registry.get("co2-forecast")!.inlineRuns).toBe(0);
      expect(strip(await sequential(waits.url, 1))).toEqual(viaInline.slice(0, 1));
      expect(waits.server.registry.get("co2-forecast")!.inlineRuns).toBe(0);
    } finally {
      await Promise.all([inline, off, waits].map((s) => s.server.close()));
    }
  });
});

describe("hot swap", () => {
  it("swaps to a new artifact under concurrent load with zero failed requests", async () => {
    const { server, url, waitReady } = await startServer(v1, dir);
    await waitReady();
    let stop = false;
    const seen = new Set<string>();
    const failures: string[] = [];
    let served = 0;
    const worker = async (i: number) => {
      while (!stop) {
        const response = i % 2 ? await predict(url) : await infer(url);
        const body = (await response.json()) as { sha256?: string; parameters?: { sha256: string } };
        if (response.status !== 200) failures.push(`${response.status} ${JSON.stringify(body)}`);
        else seen.add(body.sha256 ?? body.parameters!.sha256);
        served++;
      }
    };
    const workers = Array.from({ length: 8 }, (_, i) => worker(i));
    await new Promise((r) => setTimeout(r, 150));
    const outcomes = await server.reload(v2);
    await new Promise((r) => setTimeout(r, 150));
    stop = true;
    await Promise.all(workers);
    expect(outcomes).toEqual([{ model: "co2-forecast", result: "swapped", version: "2", sha256: sha2 }]);
    expect(failures).toEqual([]);
    expect(served).toBeGreaterThan(20);
    expect([...seen].sort()).toEqual([sha1, sha2].sort());
    const after = (await (await predict(url)).json()) as { sha256: string; version: string };
    expect(after).toMatchObject({ sha256: sha2, version: "2" });
    const info = await (await fetch(`${url}/metrics`)).text();
    expect(info).toContain(`lockstep_model_info{model="co2-forecast",version="2",sha256="${sha2}"} 1`);
    expect(info).not.toContain(`sha256="${sha1}"`);
    await server.close();
  });

  it("swaps under a lone client whose requests run inline, with zero failed requests and the old inline session released", async () => {
    const { server, url, waitReady } = await startServer(v1, dir);
    await waitReady();
    const old = server.registry.get("co2-forecast")!;
    let stop = false;
    const failures: string[] = [];
    const seen = new Set<string>();
    const client = (async () => {
      while (!stop) {
        const response = await predict(url);
        const body = (await response.json()) as { sha256?: string };
        if (response.status !== 200) failures.push(`${response.status} ${JSON.stringify(body)}`);
        else seen.add(body.sha256!);
      }
    })();
    await new Promise((r) => setTimeout(r, 150));
    expect(await server.reload(v2)).toMatchObject([{ result: "swapped", sha256: sha2 }]);
    await new Promise((r) => setTimeout(r, 150));
    stop = true;
    await client;
    const swapped = server.registry.get("co2-forecast")!;
    expect(failures).toEqual([]);
    expect([...seen].sort()).toEqual([sha1, sha2].sort());
    expect(old.inlineRuns).toBeGreaterThan(0);
    expect(swapped.inlineRuns).toBeGreaterThan(0);
    // the retired model's sessions, the inline one included, are gone once its last request ended
    await expect(old.close()).resolves.toBeUndefined();
    await expect(
      old.infer({ history: { type: "float32", data: new Float32Array(60), dims: [1, 60] } }),
    ).rejects.toMatchObject({ code: "RELEASED" });
    await server.close();
  });

  it("keeps the old artifact serving when the new one fails verification, and reports it", async () => {
    const { server, url, waitReady } = await startServer(v1, dir);
    await waitReady();
    const pin = v2.models["co2-forecast"]!.pins.staging!;
    const broken = (change: Partial<Pin>): LockFile => ({
      ...v2,
      models: {
        ...v2.models,
        "co2-forecast": { ...v2.models["co2-forecast"]!, pins: { staging: { ...pin, ...change } } },
      },
    });
    const missing = await server.reload(
      broken({ sha256: "0".repeat(64), uri: `file://.lockstep/store/sha256/${"0".repeat(64)}.onnx` }),
    );
    const wrongSize = await server.reload(broken({ bytes: pin.bytes + 1 }));
    expect(missing[0]).toMatchObject({ result: "failed" });
    expect(wrongSize[0]).toMatchObject({ result: "failed", error: expect.stringMatching(/bytes/) });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const answer = (await (await predict(url)).json()) as { sha256: string };
    expect(answer.sha256).toBe(sha1);
    const status = (await (await fetch(`${url}/v1/models`)).json()) as { models: Record<string, unknown>[] };
    expect(status.models[0]).toMatchObject({
      state: "ready",
      sha256: sha1,
      reloadFailure: { code: "SIZE_MISMATCH", sha256: pin.sha256 },
    });
    expect(await (await fetch(`${url}/metrics`)).text()).toContain(
      'lockstep_model_reloads_total{model="co2-forecast",result="failed"} 2',
    );
    await server.close();
  });
});

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

/** Starts the container entry point as its own process, the way Kubernetes runs it. */
async function startMain(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; logs: string[] }> {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
    env: { ...process.env, PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    let buffer = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      buffer += chunk;
      const lines = buffer.split("\n");
      buffer = lines.pop()!;
      for (const line of lines) {
        logs.push(line);
        const entry = JSON.parse(line) as { msg: string; port?: number };
        if (entry.msg === "listening") resolve(entry.port!);
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => logs.push(String(chunk)));
    child.once("exit", (code) => reject(new Error(`exited ${code}: ${logs.join("\n")}`)));
  });
  return { child, url: `http://127.0.0.1:${port}`, logs };
}

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("the container process", () => {
  let child: ChildProcess | undefined;
  afterAll(() => child?.kill("SIGKILL"));

  it("reloads on SIGHUP and on a lock change, then drains on SIGTERM: readiness first, in-flight answered", async () => {
    const lockPath = join(dir, "models.lock.json");
    await writeLock(lockPath, v1);
    const started = await startMain({
      LOCKSTEP_LOCK: lockPath,
      LOCKSTEP_WATCH_LOCK_MS: "0",
      LOCKSTEP_DRAIN_DELAY_MS: "300",
      LOCKSTEP_BATCHING: JSON.stringify({ "co2-forecast": { maxWaitMs: 400 } }),
    });
    child = started.child;
    const { url } = started;
    await until(async () => (await fetch(`${url}/readyz`)).ok);
    const sha = async () => ((await (await predict(url)).json()) as { sha256: string }).sha256;
    expect(await sha()).toBe(sha1);

    await writeLock(lockPath, v2);
    child.kill("SIGHUP");
    await until(async () => (await sha()) === sha2);

    const inFlight = predict(url); // waits 400 ms in the batcher
    await new Promise((r) => setTimeout(r, 50));
    const exited = new Promise<number | null>((resolve) => child!.once("exit", resolve));
    child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 50));
    const ready = await fetch(`${url}/readyz`, { headers: { connection: "close" } });
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, draining: true });
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(await exited).toBe(0);
    expect(started.logs.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
    child = undefined;
  }, 30_000);

  it("watches the lock file and swaps when it changes", async () => {
    const lockPath = join(dir, "watched.lock.json");
    await writeLock(lockPath, v1);
    const started = await startMain({ LOCKSTEP_LOCK: lockPath, LOCKSTEP_WATCH_LOCK_MS: "50" });
    child = started.child;
    const { url } = started;
    await until(async () => (await fetch(`${url}/readyz`)).ok);
    await writeFile(lockPath, "{ not json"); // a broken lock mid-edit changes nothing
    await new Promise((r) => setTimeout(r, 200));
    expect(((await (await predict(url)).json()) as { sha256: string }).sha256).toBe(sha1);
    await writeLock(lockPath, v2);
    await until(async () => ((await (await predict(url)).json()) as { sha256: string }).sha256 === sha2);
    child.kill("SIGTERM");
    await new Promise((resolve) => child!.once("exit", resolve));
    child = undefined;
  }, 30_000);

  it("refuses bad configuration at start with a clear message", async () => {
    await expect(
      startMain({ LOCKSTEP_LOCK: join(dir, "models.lock.json"), LOCKSTEP_BATCHING: "{nope" }),
    ).rejects.toThrow(/LOCKSTEP_BATCHING is not JSON/);
  });
});
