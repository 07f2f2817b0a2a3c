// The server's co2 /v1 predict beside the Koa exchange (a Koa app that reads and parses the same
// body and serialises the same 12-month answer, precomputed: the floor under any Koa service of
// this endpoint), side by side under wrk on loopback. The server runs as its container does (the
// bundle, the Dockerfile's environment) with everything on by default (JSON Lines prediction log,
// online drift, metrics), and again with the prediction log off; cache off and on; and the same
// work by hand (Koa + onnxruntime-node, one run per request, nothing else). Each point is
// the median of BENCH_REPEATS runs, the services loaded one at a time in a rotating order.
//   npm run bench:exchange   BENCH_CONNECTIONS=50 BENCH_CACHE=off BENCH_REPEATS=5 BENCH_SECONDS=4 narrow or widen it
import { rmSync, symlinkSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { decodeRequest, getModel } from "@lockstep/models";
import { readCard } from "@lockstep/onnx";
import { bundle } from "../../apps/inference/scripts/bundle.js";
import { artifacts, benchModels, writeFileIn } from "./serving/models.js";
import { rawThroughput } from "./serving/raw-ort.js";
import { memoryOf, startNode, stop, waitReady, type Child } from "./serving/process.js";
import { wrk, wrkScript, type LoadResult } from "./serving/wrk.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? "1,8,32,50").split(",").map(Number);
const REPO = resolve(import.meta.dirname, "../..");
const CONTAINER_ENV = { NODE_ENV: "production", MALLOC_ARENA_MAX: "2" };
const log = (line: string) => console.error(line);

const { dir, lockPath, lock } = await benchModels(log, ["co2-forecast"]);
const pin = lock.models["co2-forecast"]!.pins.staging!;
const work = await mkdtemp(join(tmpdir(), "lockstep-bench-exchange-"));
process.once("exit", () => rmSync(work, { recursive: true, force: true }));
log("bundling the server ...");
const bundleDir = join(dir, "bundle");
await rm(bundleDir, { recursive: true, force: true });
const { main: MAIN } = await bundle(bundleDir);
symlinkSync(join(REPO, "node_modules"), join(bundleDir, "node_modules"));
const bytes = await artifacts(dir, lock, ["co2-forecast"]);
const modelPath = await writeFileIn(work, "co2-forecast.onnx", bytes.get("co2-forecast")!);
const body = await writeFileIn(work, "co2.json", '{"horizon": 12}');
const script = await writeFileIn(work, "co2.lua", wrkScript("POST", body, "application/json"));
const PATH = "/v1/models/co2-forecast/predict";

interface Service {
  name: string;
  start(): Promise<Child>;
}
const server = (cache: string, predictionLog: string): Service => ({
  name: `server, cache ${cache}, log ${predictionLog}`,
  start: () =>
    startNode(
      MAIN,
      {
        ...CONTAINER_ENV,
        LOCKSTEP_LOCK: lockPath,
        LOCKSTEP_CACHE: cache,
        LOCKSTEP_WATCH_LOCK_MS: "0",
        LOCKSTEP_PREDICTION_LOG: predictionLog,
        LOCKSTEP_PREDICTION_LOG_DIR: join(work, `predictions-${cache}-${predictionLog}`),
        LOCKSTEP_REPLAY_DIR: join(work, `replay-${cache}-${predictionLog}`),
        LOG_LEVEL: "info",
      },
      true,
    ),
});
const handBuilt = (exchangeOnly: boolean): Service => ({
  name: exchangeOnly ? "Koa exchange" : "Koa + onnxruntime by hand",
  start: () =>
    startNode(join(import.meta.dirname, "serving/koa-co2-hand-built.ts"), {
      MODEL_PATH: modelPath,
      MODEL_VERSION: pin.version,
      MODEL_SHA256: pin.sha256,
      ...(exchangeOnly ? { EXCHANGE_ONLY: "1" } : {}),
    }),
});
const EXCHANGE = handBuilt(true);
const BY_HAND = handBuilt(false);
const GROUPS = (process.env.BENCH_CACHE ?? "off,memory").split(",").map((cache) => ({
  cache,
  services: [EXCHANGE, server(cache, "jsonl"), server(cache, "off"), BY_HAND],
}));

const median = (runs: LoadResult[]): LoadResult =>
  [...runs].sort((x, y) => x.rps - y.rps)[Math.floor(runs.length / 2)]!;
const results = new Map<string, LoadResult>();
const rss = new Map<string, number>();
for (const { cache, services } of GROUPS) {
  const running: { service: Service; child: Child; url: string }[] = [];
  for (const service of services) {
    const child = await service.start();
    const url = `http://127.0.0.1:${child.port}${PATH}`;
    // the exchange is up once it says "listening"; a server once its model is loaded
    if (service !== EXCHANGE && service !== BY_HAND) await waitReady(`http://127.0.0.1:${child.port}/readyz`);
    await wrk(url, script, 8, 1); // warm-up
    running.push({ service, child, url });
  }
  for (const c of CONNECTIONS) {
    const runs = new Map<string, LoadResult[]>(running.map((r) => [r.service.name, []]));
    for (let r = 0; r < REPEATS; r++) {
      for (let i = 0; i < running.length; i++) {
        const { service, child, url } = running[(i + r) % running.length]!;
        log(`cache ${cache}, ${c} connections, ${service.name}, run ${r + 1}/${REPEATS}`);
        runs.get(service.name)!.push(await wrk(url, script, c, SECONDS, child.child.pid));
      }
    }
    for (const [name, serviceRuns] of runs) results.set(`${cache} ${name} ${c}`, median(serviceRuns));
  }
  for (const { service, child } of running) {
    rss.set(`${cache} ${service.name}`, memoryOf(child.child.pid!).rssMb);
    await stop(child.child);
  }
}

// what no server of this model can skip: onnxruntime's own work per row, bare, as the server batches
log("measuring bare onnxruntime ...");
const decoded = await decodeRequest(
  getModel("co2-forecast").serving,
  { horizon: 12 },
  readCard(bytes.get("co2-forecast")!),
);
const raw = await rawThroughput(bytes.get("co2-forecast")!, decoded.feeds, 3, [
  { label: "batch 1", threads: 1, sessions: 1, batch: 1 },
  { label: "batch 16", threads: 1, sessions: 1, batch: 16 },
]);

const f0 = (n: number) => n.toFixed(0);
const f2 = (n: number) => n.toFixed(2);
const lines = [
  `# co2 /v1 predict beside the Koa exchange: median of ${REPEATS} runs of ${SECONDS} s per point`,
  "",
  "| cache | connections | exchange req/s | log on req/s | log off req/s | by hand req/s | on / exchange | off / exchange | log's cost | exchange p99 ms | log on p99 ms | log off p99 ms | by hand p99 ms | exchange machine µs/req | log on machine µs/req | log on process µs/req |",
  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
];
for (const { cache, services } of GROUPS) {
  const at = services.map((s) => (c: number) => results.get(`${cache} ${s.name} ${c}`)!);
  for (const c of CONNECTIONS) {
    const [ex, on, off, hand] = at.map((f) => f(c)) as [LoadResult, LoadResult, LoadResult, LoadResult];
    const errors = ex.errors + on.errors + off.errors + hand.errors > 0 ? " (errors!)" : "";
    const machine = (r: LoadResult) => f0(r.cpu?.machineUsPerRequest ?? Number.NaN);
    lines.push(
      `| ${cache} | ${c} | ${f0(ex.rps)} | ${f0(on.rps)} | ${f0(off.rps)} | ${f0(hand.rps)} | ${f2(on.rps / ex.rps)} | ${f2(off.rps / ex.rps)} | ${f0((1 - on.rps / off.rps) * 100)} % | ${f2(ex.p99)} | ${f2(on.p99)} | ${f2(off.p99)} | ${f2(hand.p99)} | ${machine(ex)} | ${machine(on)} | ${f0(on.cpu?.processUsPerRequest ?? Number.NaN)}${errors} |`,
    );
  }
}
lines.push(
  "",
  "Bare onnxruntime, one thread: " +
    raw.map((r) => `${r.label} ${f0(1e6 / r.rowsPerSecond)} µs/row`).join(", "),
);
lines.push("", "RSS at the end (MB): " + [...rss].map(([k, v]) => `${k} ${v.toFixed(0)}`).join("; "));
console.log(lines.join("\n"));
