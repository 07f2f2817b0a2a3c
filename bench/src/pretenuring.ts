// V8's allocation-site pretenuring on (Node's default) and off (the server's default since
// c30dfec), start after start: each start is a fresh server process, warmed up, then loaded with
// co2 /v1 predict under wrk; its req/s and its garbage collection time per request (from its own
// /metrics) are printed beside each other. A start whose minor GC time per request is over twice
// the median of all starts is counted slow: the state pretenuring sometimes leaves a process in.
//   npm run bench:pretenuring   BENCH_STARTS=10 BENCH_SECONDS=8 BENCH_CONNECTIONS=50 BENCH_CACHE=memory
import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { benchModels, writeFileIn } from "./serving/models.js";
import { startNode, stop, waitReady } from "./serving/process.js";
import { wrk, wrkScript } from "./serving/wrk.js";

const STARTS = Number(process.env.BENCH_STARTS ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const CACHE = process.env.BENCH_CACHE ?? "memory";
const REPO = resolve(import.meta.dirname, "../..");
const log = (line: string) => console.error(line);

const { lockPath } = await benchModels(log, ["co2-forecast"]);
const work = await mkdtemp(join(tmpdir(), "lockstep-bench-pretenuring-"));
process.once("exit", () => rmSync(work, { recursive: true, force: true }));
const body = await writeFileIn(work, "co2.json", '{"horizon": 12}');
const script = await writeFileIn(work, "co2.lua", wrkScript("POST", body, "application/json"));

/** Seconds of garbage collection so far, by kind, from the server's prom-client default metrics. */
async function gcSeconds(base: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^lockstep_nodejs_gc_duration_seconds_sum\{kind="(\w+)"\} ([\d.e+-]+)$/gm))
    out[m[1]!] = Number(m[2]);
  return out;
}

interface Start {
  pretenuring: string;
  rps: number;
  p99: number;
  minorUs: number;
  majorUs: number;
}
const starts: Start[] = [];
for (let s = 0; s < STARTS; s++) {
  for (const pretenuring of s % 2 === 0 ? ["on", "off"] : ["off", "on"]) {
    const server = await startNode(join(import.meta.dirname, "serving/tree-server.ts"), {
      TREE: REPO,
      TREE_NAME: `pretenuring-${pretenuring}`,
      LOCKSTEP_LOCK: lockPath,
      LOCKSTEP_CACHE: CACHE,
      LOCKSTEP_V8_PRETENURING: pretenuring,
      LOCKSTEP_PREDICTION_LOG_DIR: join(work, "log"),
      LOCKSTEP_REPLAY_DIR: join(work, "replay"),
      NODE_ENV: "production",
      LOG_LEVEL: "info",
    });
    const base = `http://127.0.0.1:${server.port}`;
    await waitReady(`${base}/readyz`);
    const url = `${base}/v1/models/co2-forecast/predict`;
    await wrk(url, script, CONNECTIONS, 2); // warm-up
    const before = await gcSeconds(base);
    const run = await wrk(url, script, CONNECTIONS, SECONDS);
    const after = await gcSeconds(base);
    await stop(server.child);
    const us = (kind: string) => (((after[kind] ?? 0) - (before[kind] ?? 0)) * 1e6) / run.requests;
    const start = { pretenuring, rps: run.rps, p99: run.p99, minorUs: us("minor"), majorUs: us("major") };
    starts.push(start);
    log(
      `start ${s + 1}/${STARTS}, pretenuring ${pretenuring}: ${run.rps.toFixed(0)} req/s, minor GC ${start.minorUs.toFixed(1)} µs/req`,
    );
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const slowLine = 2 * median(starts.map((s) => s.minorUs));
const f1 = (n: number) => n.toFixed(1);
const lines = [
  `# co2 /v1 predict (cache ${CACHE}, ${CONNECTIONS} connections, ${SECONDS} s after a 2 s warm-up), ${STARTS} fresh starts each, alternating`,
  "",
  "| start | pretenuring | req/s | p99 ms | minor GC µs/req | major GC µs/req |",
  "| ---: | --- | ---: | ---: | ---: | ---: |",
  ...starts.map(
    (s, i) =>
      `| ${Math.floor(i / 2) + 1} | ${s.pretenuring} | ${s.rps.toFixed(0)}${s.minorUs > slowLine ? " (slow)" : ""} | ${s.p99.toFixed(2)} | ${f1(s.minorUs)} | ${f1(s.majorUs)} |`,
  ),
  "",
  "| pretenuring | median req/s | mean req/s | lowest req/s | slow starts (minor GC over twice the median) |",
  "| --- | ---: | ---: | ---: | ---: |",
];
for (const p of ["on", "off"]) {
  const mine = starts.filter((s) => s.pretenuring === p);
  const rps = mine.map((s) => s.rps);
  lines.push(
    `| ${p} | ${median(rps).toFixed(0)} | ${mean(rps).toFixed(0)} | ${Math.min(...rps).toFixed(0)} | ${mine.filter((s) => s.minorUs > slowLine).length} of ${mine.length} |`,
  );
}
console.log(lines.join("\n"));
