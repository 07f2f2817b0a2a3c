// Soak: the inference server (the bundle, default configuration) under valid load alone — the
// control run — and then under the same valid load with hostile traffic beside it, for
// SOAK_SECONDS each. Prints the valid requests' throughput and latency in both runs, what the
// hostile traffic was answered, and the server's memory over time (it must level off).
// Figures only, never pass/fail.   npm run bench:soak   (SOAK_SECONDS=180 by default)
import { rmSync } from "node:fs";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { writeLock } from "@lockstep/lockfile";
import { btc } from "@lockstep/models";
import type { ModelShape } from "@lockstep/inference/testing";
import { threeModelProject } from "@lockstep/inference/testing";
import { bundle } from "../../apps/inference/scripts/bundle.js";
import { writeFileIn } from "./serving/models.js";
import { memoryOf, startNode, stop, waitReady } from "./serving/process.js";
import { wrk, type LoadResult } from "./serving/wrk.js";
import { hostileLoad, hostilePool, type HostileTally } from "./soak/hostile-load.js";

const SECONDS = Number(process.env.SOAK_SECONDS ?? 180);
const CONNECTIONS = 8;
const SAMPLE_MS = 5_000;
const REPO = resolve(import.meta.dirname, "../..");
const log = (line: string) => console.error(line);

log("training small models (co2-forecast, btc-signal, fish-classifier) ...");
const { dir, lock } = await threeModelProject();
process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
const lockPath = join(dir, "models.lock.json");
await writeLock(lockPath, lock);
log("bundling the server ...");
const bundleDir = await mkdtemp(join(tmpdir(), "lockstep-soak-bundle-"));
process.once("exit", () => rmSync(bundleDir, { recursive: true, force: true }));
const { main: MAIN } = await bundle(bundleDir);
await symlink(join(REPO, "node_modules"), join(bundleDir, "node_modules"));

// the valid load: co2 horizons 1..60 (repeats hit the cache), btc candles, co2 tensors
const history = Array.from({ length: 60 }, (_, i) => 400 + i / 10);
const requests: [string, string][] = [
  ...Array.from({ length: 60 }, (_, h): [string, string] => [
    "/v1/models/co2-forecast/predict",
    JSON.stringify({ horizon: h + 1 }),
  ]),
  ["/v1/models/btc-signal/predict", JSON.stringify({ candles: btc.syntheticCandles(200, 3) })],
  [
    "/v2/models/co2-forecast/infer",
    JSON.stringify({ inputs: [{ name: "history", datatype: "FP32", shape: [1, 60], data: history }] }),
  ],
];
const lua = [
  "local requests = {}",
  ...requests.map(
    ([path, body]) =>
      `table.insert(requests, wrk.format("POST", "${path}", {["Host"] = "soak", ["Content-Type"] = "application/json"}, [==[${body}]==]))`,
  ),
  "request = function() return requests[math.random(#requests)] end",
].join("\n");
const script = await writeFileIn(dir, "valid.lua", lua);

/** Distinct valid requests whose answers are large (~0.4-1 MB of JSON): cache and answer pressure. */
const bigAnswer = (n: number) => {
  const rows = 64 + (n % 64);
  const data = Array.from({ length: rows * 60 }, (_, i) => history[i % 60]! + ((n * 7919) % 1000) / 1e4);
  const body = Buffer.from(
    JSON.stringify({ inputs: [{ name: "history", datatype: "FP32", shape: [rows, 60], data }] }),
  );
  return Buffer.concat([
    Buffer.from(
      `POST /v2/models/co2-forecast/infer HTTP/1.1\r\nHost: soak\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    ),
    body,
  ]);
};

interface Run {
  name: string;
  valid: LoadResult;
  hostile?: HostileTally;
  rssMb: number[];
  readyAfter: boolean;
}

async function soak(name: string, hostile: boolean): Promise<Run> {
  log(`${name}: ${SECONDS} s ...`);
  const server = await startNode(
    MAIN,
    { LOCKSTEP_LOCK: lockPath, LOG_LEVEL: "warn", NODE_ENV: "production", MALLOC_ARENA_MAX: "2" },
    true,
  );
  // a bench that fails leaves no server behind
  const kill = () => server.child.kill("SIGKILL");
  process.once("exit", kill);
  const url = `http://127.0.0.1:${server.port}`;
  await waitReady(`${url}/readyz`);
  const pid = server.child.pid!;
  const rssMb = [memoryOf(pid).rssMb];
  const sampler = setInterval(() => rssMb.push(memoryOf(pid).rssMb), SAMPLE_MS);
  const abort = new AbortController();
  let tally: Promise<HostileTally> | undefined;
  if (hostile) {
    const models: ModelShape[] = [];
    for (const model of Object.keys(lock.models)) {
      const meta = (await (await fetch(`${url}/v2/models/${model}`)).json()) as Omit<
        ModelShape,
        "name" | "golden"
      >;
      models.push({ name: model, version: "1", inputs: meta.inputs, outputs: meta.outputs, golden: [] });
    }
    const pool = hostilePool(models, 2_000, 20261203);
    // more stalled bodies than the server has admission slots (512 by default)
    tally = hostileLoad(url, pool, bigAnswer, { senders: 4, stalled: 600, signal: abort.signal });
  }
  const valid = await wrk(url, script, CONNECTIONS, SECONDS);
  abort.abort();
  const hostileTally = await tally;
  clearInterval(sampler);
  rssMb.push(memoryOf(pid).rssMb);
  const readyAfter = (await fetch(`${url}/readyz`)).ok;
  await stop(server.child);
  process.off("exit", kill);
  return { name, valid, hostile: hostileTally, rssMb, readyAfter };
}

const control = await soak("valid load only", false);
const mixed = await soak("valid + hostile load", true);
await rm(bundleDir, { recursive: true, force: true });

const mb = (values: number[]) => values.map((v) => v.toFixed(0));
const third = (values: number[], i: number) => {
  const size = Math.ceil(values.length / 3);
  return Math.max(...values.slice(i * size, (i + 1) * size));
};
console.log(`\n## Soak: ${SECONDS} s per run, valid load by wrk at ${CONNECTIONS} connections`);
console.log(
  "hostile beside it: 4 senders of fuzz-suite requests, 600 stalled bodies, hang-ups mid-body, distinct large answers\n",
);
console.log(
  "| run | valid req/s | p50 ms | p99 ms | valid non-2xx | RSS peak MB | peak, middle third | peak, last third | ready after |",
);
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
for (const run of [control, mixed]) {
  const { valid } = run;
  console.log(
    `| ${run.name} | ${valid.rps.toFixed(0)} | ${valid.p50.toFixed(2)} | ${valid.p99.toFixed(2)} | ${valid.errors} | ${Math.max(...run.rssMb).toFixed(0)} | ${third(run.rssMb, 1).toFixed(0)} | ${third(run.rssMb, 2).toFixed(0)} | ${run.readyAfter} |`,
  );
}
console.log(
  `\nmixed / control: valid req/s x${(mixed.valid.rps / control.valid.rps).toFixed(2)}, p99 x${(mixed.valid.p99 / control.valid.p99).toFixed(2)}`,
);
const h = mixed.hostile!;
console.log(
  `hostile: ${h.requests} requests (${Object.entries(h.byClass)
    .sort()
    .map(([k, v]) => `${k} ${v}`)
    .join(
      ", ",
    )}, unanswered ${h.unanswered}), ${h.bigAnswers} large answers, ${h.stalledOpened} stalled bodies opened, ${h.disconnects} hang-ups`,
);
console.log(`\nserver RSS every ${SAMPLE_MS / 1000} s (MB):`);
console.log(`control: ${mb(control.rssMb).join(" ")}`);
console.log(`mixed:   ${mb(mixed.rssMb).join(" ")}`);
