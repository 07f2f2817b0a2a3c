// Serving benchmark: the inference server under wrk on loopback, beside a bare Koa app (the
// ceiling) and each model's bare onnxruntime throughput (the physical limit), with micro-batching
// on and off. Figures only, never pass/fail.   npm run bench:serving
import { existsSync, readdirSync, rmSync } from "node:fs";
import { mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { btc, decodeRequest, getModel } from "@lockstep/models";
import { readCard } from "@lockstep/onnx";
import { bundle } from "../../apps/inference/scripts/bundle.js";
import { artifacts, benchModels, writeFileIn } from "./serving/models.js";
import { memoryOf, startNode, stop, waitReady } from "./serving/process.js";
import { rawThroughput, type RawThroughput, type RawVariant } from "./serving/raw-ort.js";
import { wrk, wrkScript, type LoadResult } from "./serving/wrk.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const CONNECTIONS = [1, 8, 32];
const REPO = resolve(import.meta.dirname, "../..");
// the server runs as its container does: the bundle, with the Dockerfile's environment
const CONTAINER_ENV = { NODE_ENV: "production", MALLOC_ARENA_MAX: "2" };
const log = (line: string) => console.error(line);

interface Endpoint {
  name: string;
  model: string;
  path: string;
  script: string;
}

const { dir, lockPath, lock, models } = await benchModels(log);
log("bundling the server ...");
const bundleDir = join(dir, "bundle");
await rm(bundleDir, { recursive: true, force: true });
const { main: MAIN } = await bundle(bundleDir);
await symlink(join(REPO, "node_modules"), join(bundleDir, "node_modules"));
const work = await mkdtemp(join(tmpdir(), "lockstep-bench-serving-"));
process.once("exit", () => rmSync(work, { recursive: true, force: true }));
const bytes = await artifacts(dir, lock, models);
const card = (model: string) => readCard(bytes.get(model)!);

// request bodies: the model's own examples, real candles and a real photo where ../shared has them
const endpoints: Endpoint[] = [];
const addEndpoint = async (
  name: string,
  model: string,
  path: string,
  body: string | Uint8Array,
  type: string,
) => {
  const file = await writeFileIn(work, `${name.replace(/\W+/g, "-")}.body`, body);
  endpoints.push({
    name,
    model,
    path,
    script: await writeFileIn(work, `${name.replace(/\W+/g, "-")}.lua`, wrkScript("POST", file, type)),
  });
};
const co2Card = card("co2-forecast");
await addEndpoint(
  "co2 /v1 predict",
  "co2-forecast",
  "/v1/models/co2-forecast/predict",
  '{"horizon": 12}',
  "application/json",
);
const history = (co2Card.serving as { history: number[] }).history;
await addEndpoint(
  "co2 /v2 infer",
  "co2-forecast",
  "/v2/models/co2-forecast/infer",
  JSON.stringify({
    inputs: [{ name: "history", datatype: "FP32", shape: [1, history.length], data: history }],
  }),
  "application/json",
);
await addEndpoint(
  "btc /v1 predict",
  "btc-signal",
  "/v1/models/btc-signal/predict",
  JSON.stringify({ candles: btc.syntheticCandles(200, 3) }),
  "application/json",
);
let fishPhoto: Uint8Array | undefined;
if (models.includes("fish-classifier")) {
  const root = join(REPO, "../shared/data/fish4knowledge/fish_01");
  const name = readdirSync(root).find((f) => /\.(png|jpe?g)$/i.test(f))!;
  fishPhoto = await readFile(join(root, name));
  await addEndpoint(
    "fish /v1 predict",
    "fish-classifier",
    "/v1/models/fish-classifier/predict",
    fishPhoto,
    name.endsWith("png") ? "image/png" : "image/jpeg",
  );
}

// 1. the physical limit: bare session.run on one decoded request of each model
const servedBatch = (maxBatch: number | undefined): RawVariant[] =>
  maxBatch && maxBatch !== 1 && maxBatch !== 64
    ? [{ label: `batch ${maxBatch}, 1 thread (as served)`, threads: 1, sessions: 1, batch: maxBatch }]
    : [];
log("measuring raw onnxruntime throughput ...");
const raw: Record<string, RawThroughput[]> = {};
for (const model of models) {
  const spec = getModel(model);
  const modelCard = card(model);
  const request =
    model === "fish-classifier"
      ? fishPhoto!
      : model === "btc-signal"
        ? { candles: btc.syntheticCandles(200, 3) }
        : { horizon: 12 };
  const decoded = await decodeRequest(spec.serving, request, modelCard);
  const variants: RawVariant[] =
    model === "fish-classifier"
      ? [
          { label: "batch 1, 1 thread", threads: 1, sessions: 1, batch: 1 },
          { label: "batch 1, 2 threads", threads: 2, sessions: 1, batch: 1 },
          { label: "batch 8, 2 threads", threads: 2, sessions: 1, batch: 8 },
          {
            label: "batch 8, 2 threads, no spinning (as served)",
            threads: 2,
            sessions: 1,
            batch: 8,
            spinning: false,
          },
          { label: "batch 1, 2 sessions x 1 thread", threads: 1, sessions: 2, batch: 1, spinning: false },
          { label: "batch 4, 2 sessions x 1 thread", threads: 1, sessions: 2, batch: 4, spinning: false },
        ]
      : [
          { label: "batch 1, 1 thread", threads: 1, sessions: 1, batch: 1 },
          ...servedBatch(spec.serving.settings.batching?.maxBatch),
          { label: "batch 64, 1 thread", threads: 1, sessions: 1, batch: 64 },
        ];
  raw[model] = await rawThroughput(bytes.get(model)!, decoded.feeds, Math.min(SECONDS, 3), variants);
}

// 2. the ceiling: a bare Koa app
log("measuring the Koa ceiling ...");
const koa = await startNode(join(import.meta.dirname, "serving/koa-hello.ts"), {});
const getScript = await writeFileIn(work, "get.lua", wrkScript("GET", undefined, undefined));
const ceiling: Record<number, LoadResult> = {};
for (const c of [...CONNECTIONS, 50])
  ceiling[c] = await wrk(`http://127.0.0.1:${koa.port}/`, getScript, c, SECONDS, koa.child.pid);
await stop(koa.child);

// 2b. co2 served by hand: Koa + onnxruntime-node, one run per request (the same work), and the
// same service answering one precomputed forecast (the HTTP exchange alone: the floor under any
// Koa service of this endpoint)
const co2Pin = lock.models["co2-forecast"]!.pins.staging!;
const co2Endpoint = endpoints.find((e) => e.name === "co2 /v1 predict")!;
const co2Model = await writeFileIn(work, "co2-forecast.onnx", bytes.get("co2-forecast")!);
async function handBuiltCo2(env: Record<string, string>): Promise<Record<number, LoadResult>> {
  const service = await startNode(join(import.meta.dirname, "serving/koa-co2-hand-built.ts"), {
    MODEL_PATH: co2Model,
    MODEL_VERSION: co2Pin.version,
    MODEL_SHA256: co2Pin.sha256,
    ...env,
  });
  const url = `http://127.0.0.1:${service.port}${co2Endpoint.path}`;
  await wrk(url, co2Endpoint.script, 8, 1); // warm-up
  const byLevel: Record<number, LoadResult> = {};
  for (const c of [...CONNECTIONS, 50])
    byLevel[c] = await wrk(url, co2Endpoint.script, c, SECONDS, service.child.pid);
  await stop(service.child);
  return byLevel;
}
log("measuring a hand-built co2 service (Koa + onnxruntime-node, no batching) ...");
const sameWork = await handBuiltCo2({});
log("measuring the co2 HTTP exchange alone (Koa answering a precomputed forecast) ...");
const exchange = await handBuiltCo2({ EXCHANGE_ONLY: "1" });

// 3. the server: batching on (each spec's default) and off; and, for models that run a lone
// client's requests on the server thread (spec.inline), that client with inline runs turned off
const inlineModels = new Set(models.filter((m) => getModel(m).serving.settings.inline));
const everyLevel = (e: Endpoint) => (e.name === "co2 /v1 predict" ? [...CONNECTIONS, 50] : CONNECTIONS);
const modes: {
  mode: string;
  label: string;
  env: Record<string, string>;
  levels(endpoint: Endpoint): number[];
  /** Reported as this mode's cold start and memory. */
  startup: boolean;
}[] = [
  { mode: "on", label: "micro-batching on", env: {}, levels: everyLevel, startup: true },
  {
    mode: "off",
    label: "micro-batching off",
    env: { LOCKSTEP_BATCHING: JSON.stringify(Object.fromEntries(models.map((m) => [m, false]))) },
    levels: everyLevel,
    startup: true,
  },
  {
    mode: "worker only",
    label: "inline runs off",
    env: { LOCKSTEP_INLINE: "off" },
    levels: (e) => (inlineModels.has(e.model) ? [1] : []),
    startup: false,
  },
];
const results: Record<string, Record<string, Record<number, LoadResult>>> = {};
const starts: Record<
  string,
  { listeningMs: number; readyMs: number; readyRssMb: number; rssMb: number; peakMb: number }
> = {};
for (const { mode, label, env, levels, startup } of modes) {
  log(`measuring the server: ${label} ...`);
  const server = await startNode(
    MAIN,
    {
      ...CONTAINER_ENV,
      LOCKSTEP_LOCK: lockPath,
      LOCKSTEP_CACHE: "off", // every request must reach the model
      LOCKSTEP_WATCH_LOCK_MS: "0",
      LOG_LEVEL: "warn",
      ...env,
    },
    true,
  );
  const base = `http://127.0.0.1:${server.port}`;
  await waitReady(`${base}/readyz`);
  const readyMs = performance.now() - server.started;
  await new Promise((r) => setTimeout(r, 500)); // let start-up garbage be collected
  const readyRssMb = memoryOf(server.child.pid!).rssMb;
  results[mode] = {};
  for (const endpoint of endpoints) {
    if (levels(endpoint).length === 0) continue;
    await wrk(`${base}${endpoint.path}`, endpoint.script, 8, 1); // warm-up
    results[mode][endpoint.name] = {};
    for (const c of levels(endpoint)) {
      log(`  ${endpoint.name} at ${c} connections`);
      results[mode][endpoint.name]![c] = await wrk(
        `${base}${endpoint.path}`,
        endpoint.script,
        c,
        SECONDS,
        server.child.pid,
      );
    }
  }
  if (startup)
    starts[mode] = { listeningMs: server.listeningMs, readyMs, readyRssMb, ...memoryOf(server.child.pid!) };
  await stop(server.child);
}

// 4. the response cache: every request after the first is a hit, at 1 connection (latency)
log("measuring cache hits ...");
const hits: Record<string, LoadResult> = {};
const hitsAt32: Record<string, LoadResult> = {};
{
  const server = await startNode(
    MAIN,
    {
      ...CONTAINER_ENV,
      LOCKSTEP_LOCK: lockPath,
      LOCKSTEP_CACHE: "memory",
      LOCKSTEP_WATCH_LOCK_MS: "0",
      LOG_LEVEL: "warn",
    },
    true,
  );
  const base = `http://127.0.0.1:${server.port}`;
  await waitReady(`${base}/readyz`);
  for (const endpoint of endpoints) {
    await wrk(`${base}${endpoint.path}`, endpoint.script, 1, 1); // the miss that fills the cache
    hits[endpoint.name] = await wrk(`${base}${endpoint.path}`, endpoint.script, 1, SECONDS, server.child.pid);
    hitsAt32[endpoint.name] = await wrk(
      `${base}${endpoint.path}`,
      endpoint.script,
      32,
      SECONDS,
      server.child.pid,
    );
  }
  await stop(server.child);
}

// report
const f0 = (v: number) => v.toFixed(0);
const f1 = (v: number) => v.toFixed(1);
const f2 = (v: number) => v.toFixed(2);
const threadUs = (r: LoadResult) => f0(r.cpu?.threadUsPerRequest ?? Number.NaN);
const processUs = (r: LoadResult) => f0(r.cpu?.processUsPerRequest ?? Number.NaN);
const busy = (r: LoadResult) => `${f0(r.cpu?.machineBusyPercent ?? Number.NaN)}%`;
console.log(
  `# Serving benchmark (${SECONDS} s per cell, wrk on loopback, server and wrk share the machine; the server is the bundle with the container's environment)\n`,
);
console.log("## Bare onnxruntime (the physical limit), rows/s\n");
console.log("| model | variant | rows/s |\n| --- | --- | ---: |");
for (const [model, rows] of Object.entries(raw))
  for (const r of rows) console.log(`| ${model} | ${r.label} | ${f0(r.rowsPerSecond)} |`);
console.log("\n## Koa hello-world ceiling\n");
console.log(
  "| connections | req/s | p50 ms | p99 ms | server thread µs/req | machine busy |\n| ---: | ---: | ---: | ---: | ---: | ---: |",
);
for (const [c, r] of Object.entries(ceiling))
  console.log(`| ${c} | ${f0(r.rps)} | ${f2(r.p50)} | ${f2(r.p99)} | ${threadUs(r)} | ${busy(r)} |`);
console.log(
  "\n## co2 /v1: the server against the same work written by hand (Koa + onnxruntime-node in-process, one run per request, no batching, limits, cache, metrics or logs)\n",
);
console.log(
  "| connections | server req/s | hand-built req/s | server / hand-built | server p99 ms | hand-built p99 ms | hand-built: thread µs/req | hand-built: machine busy | errors |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
);
for (const [c, hand] of Object.entries(sameWork)) {
  const on = results.on!["co2 /v1 predict"]![Number(c)]!;
  console.log(
    `| ${c} | ${f0(on.rps)} | ${f0(hand.rps)} | ${f2(on.rps / hand.rps)}x | ${f2(on.p99)} | ${f2(hand.p99)} | ${threadUs(hand)} | ${busy(hand)} | ${hand.errors} |`,
  );
}
console.log(
  "\n## co2 /v1 against Koa: hello-world, the co2 HTTP exchange alone (body read and parsed, a precomputed forecast serialised, no model), the hand-built service, the server\n",
);
console.log(
  "| connections | hello req/s | exchange alone req/s | hand-built req/s | server req/s | exchange alone vs hello | server vs hello | server vs exchange alone | exchange alone: thread µs/req | errors |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
);
for (const [c, alone] of Object.entries(exchange)) {
  const hello = ceiling[Number(c)]!.rps;
  const on = results.on!["co2 /v1 predict"]![Number(c)]!.rps;
  console.log(
    `| ${c} | ${f0(hello)} | ${f0(alone.rps)} | ${f0(sameWork[Number(c)]!.rps)} | ${f0(on)} | ${f0((100 * alone.rps) / hello)}% | ${f0((100 * on) / hello)}% | ${f0((100 * on) / alone.rps)}% | ${threadUs(alone)} | ${alone.errors} |`,
  );
}
console.log("\n## Endpoints: micro-batching on vs off\n");
console.log(
  "| endpoint | conns | on req/s | on p50 ms | on p99 ms | off req/s | off p50 ms | off p99 ms | on/off | on vs Koa | on: server thread µs/req | on: process µs/req | on: machine busy | errors |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
);
for (const endpoint of endpoints) {
  for (const [c, on] of Object.entries(results.on![endpoint.name]!)) {
    const off = results.off![endpoint.name]![Number(c)]!;
    const koaRps = ceiling[Number(c)]!.rps;
    console.log(
      `| ${endpoint.name} | ${c} | ${f0(on.rps)} | ${f2(on.p50)} | ${f2(on.p99)} | ${f0(off.rps)} | ${f2(off.p50)} | ${f2(off.p99)} | ${f2(on.rps / off.rps)}x | ${f0((100 * on.rps) / koaRps)}% | ${threadUs(on)} | ${processUs(on)} | ${busy(on)} | ${on.errors + off.errors} |`,
    );
  }
}
console.log(
  "\n## One client at a time: inline runs on the server thread (as served) against every run on the worker thread\n",
);
console.log(
  "| endpoint | inline p50 ms | worker p50 ms | inline p99 ms | worker p99 ms | inline req/s | worker req/s | inline / worker | errors |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
);
for (const [name, byLevel] of Object.entries(results["worker only"]!)) {
  const inline = results.on![name]![1]!;
  const worker = byLevel[1]!;
  console.log(
    `| ${name} | ${f2(inline.p50)} | ${f2(worker.p50)} | ${f2(inline.p99)} | ${f2(worker.p99)} | ${f0(inline.rps)} | ${f0(worker.rps)} | ${f2(inline.rps / worker.rps)}x | ${inline.errors + worker.errors} |`,
  );
}
console.log(
  "\n## Response cache: a hit against inference (batching on, cache off), at 1 and at 32 connections\n",
);
console.log(
  "| endpoint | miss p50 ms | hit p50 ms | hit p99 ms | miss req/s | hit req/s | miss req/s @32 | hit req/s @32 | hit p99 ms @32 | hit / miss @32 | errors |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
);
for (const endpoint of endpoints) {
  const miss = results.on![endpoint.name]![1]!;
  const hit = hits[endpoint.name]!;
  const missLoaded = results.on![endpoint.name]![32]!;
  const hitLoaded = hitsAt32[endpoint.name]!;
  console.log(
    `| ${endpoint.name} | ${f2(miss.p50)} | ${f2(hit.p50)} | ${f2(hit.p99)} | ${f0(miss.rps)} | ${f0(hit.rps)} | ${f0(missLoaded.rps)} | ${f0(hitLoaded.rps)} | ${f2(hitLoaded.p99)} | ${f2(hitLoaded.rps / missLoaded.rps)}x | ${hit.errors + hitLoaded.errors} |`,
  );
}
if (raw["fish-classifier"]) {
  const rows = raw["fish-classifier"];
  const best = Math.max(...rows.map((r) => r.rowsPerSecond));
  const served = rows.find((r) => r.label.includes("as served"))?.rowsPerSecond ?? best;
  console.log("\n## fish-classifier endpoint vs bare onnxruntime\n");
  for (const c of [8, 32]) {
    const on = results.on!["fish /v1 predict"]![c]!.rps;
    console.log(
      `- ${c} connections: ${f0(on)} images/s = ${f0((100 * on) / best)}% of the best variant (${f0(best)} images/s), ${f0((100 * on) / served)}% of the served configuration (${f0(served)} images/s)`,
    );
  }
}
const co2 = results.on!["co2 /v1 predict"]![50]!;
console.log(
  `\n## Targets\n\n- co2 /v1 at 50 connections: ${f0(co2.rps)} req/s = ${f0((100 * co2.rps) / ceiling[50]!.rps)}% of Koa's ${f0(ceiling[50]!.rps)}, p99 ${f2(co2.p99)} ms; ${f2(co2.rps / sameWork[50]!.rps)}x the hand-built same-work service's ${f0(sameWork[50]!.rps)} req/s (p99 ${f2(sameWork[50]!.p99)} ms); the co2 HTTP exchange alone, no model, reaches ${f0(exchange[50]!.rps)} req/s = ${f0((100 * exchange[50]!.rps) / ceiling[50]!.rps)}% of Koa, and the server ${f0((100 * co2.rps) / exchange[50]!.rps)}% of that`,
);
const koaCpu = ceiling[50]!.cpu;
if (koaCpu && co2.cpu) {
  // Both pay the same HTTP work (parsing, the write syscall, which on loopback also delivers the
  // bytes to wrk) on one event-loop thread, and share the machine with wrk: CPU per request, on
  // the thread and on the whole machine, bounds the share of Koa any server design can reach.
  const servedRaw = raw["co2-forecast"]?.find((r) => r.label.includes("as served"));
  console.log(
    `  - per request, Koa's thread spends ${f0(koaCpu.threadUsPerRequest)} µs and the server thread ${f0(co2.cpu.threadUsPerRequest)} µs: one event-loop thread as busy as Koa's reaches ${f0((100 * koaCpu.threadUsPerRequest) / co2.cpu.threadUsPerRequest)}% of Koa`,
  );
  console.log(
    `  - the whole machine (server, wrk, kernel) spends ${f0(koaCpu.machineUsPerRequest)} µs per Koa request and ${f0(co2.cpu.machineUsPerRequest)} µs per co2 request (the server process ${f0(co2.cpu.processUsPerRequest)} µs${servedRaw ? `; bare onnxruntime alone ${f0(1e6 / servedRaw.rowsPerSecond)} µs per row at the served batch` : ""}): at equal machine utilisation any server reaches ${f0((100 * koaCpu.machineUsPerRequest) / co2.cpu.machineUsPerRequest)}% of Koa`,
  );
}
for (const [mode, s] of Object.entries(starts)) {
  console.log(
    `- batching ${mode}: process spawn → listening ${f0(s.listeningMs)} ms, → ready (all models verified and loaded) ${f0(s.readyMs)} ms; RSS with the models loaded ${f1(s.readyRssMb)} MB, after the load test ${f1(s.rssMb)} MB (peak ${f1(s.peakMb)} MB)`,
  );
}
if (!existsSync(join(REPO, "../shared")))
  console.log("\n(../shared is absent: fish-classifier and real candles were skipped)");
