// Koa's cost in front of the inference path, measured before the one-route-table server is built
// (issue 25): co2 /v1 predict under wrk on loopback, the server as it is beside the same server
// behind a Koa app, at 1, 8, 32 and 50 connections, cache off and on. Figures only.
//   npm run bench:planes
import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchModels, writeFileIn } from "./serving/models.js";
import { startNode, stop, waitReady } from "./serving/process.js";
import { wrk, wrkScript, type LoadResult } from "./serving/wrk.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const CONNECTIONS = [1, 8, 32, 50];
const PLANES = ["today", "koa-context", "koa-chain"] as const;
const log = (line: string) => console.error(line);

const { lockPath } = await benchModels(log, ["co2-forecast"]);
const work = await mkdtemp(join(tmpdir(), "lockstep-bench-planes-"));
process.once("exit", () => rmSync(work, { recursive: true, force: true }));
const body = await writeFileIn(work, "co2.json", '{"horizon": 12}');
const script = await writeFileIn(work, "co2.lua", wrkScript("POST", body, "application/json"));

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const median = (runs: LoadResult[]): LoadResult =>
  [...runs].sort((x, y) => x.rps - y.rps)[Math.floor(runs.length / 2)]!;

// the planes run side by side: all three servers up at once, loaded one at a time in a rotating
// order, each point the median of REPEATS runs, so drift in the machine falls on all of them alike
const results: Record<string, Record<number, LoadResult>> = {};
for (const cache of ["off", "memory"] as const) {
  const servers = [];
  for (const plane of PLANES) {
    const server = await startNode(join(import.meta.dirname, "serving/plane-variant.ts"), {
      PLANE: plane,
      LOCKSTEP_LOCK: lockPath,
      LOCKSTEP_CACHE: cache,
      NODE_ENV: "production",
      LOG_LEVEL: "info",
    });
    await waitReady(`http://127.0.0.1:${server.port}/readyz`);
    const url = `http://127.0.0.1:${server.port}/v1/models/co2-forecast/predict`;
    await wrk(url, script, 8, 1); // warm-up
    servers.push({ plane, server, url });
  }
  for (const c of CONNECTIONS) {
    const runs = new Map<string, LoadResult[]>(PLANES.map((p) => [p, []]));
    for (let r = 0; r < REPEATS; r++) {
      for (let i = 0; i < servers.length; i++) {
        const { plane, server, url } = servers[(i + r) % servers.length]!;
        log(`cache ${cache}, ${c} connections, ${plane}, run ${r + 1}/${REPEATS}`);
        runs.get(plane)!.push(await wrk(url, script, c, SECONDS, server.child.pid));
      }
    }
    for (const plane of PLANES) (results[`${plane} cache ${cache}`] ??= {})[c] = median(runs.get(plane)!);
  }
  for (const { server } of servers) await stop(server.child);
}

const f0 = (n: number) => n.toFixed(0);
const f2 = (n: number) => n.toFixed(2);
const lines = [
  `# Koa in front of the inference path: co2 /v1 predict, median of ${REPEATS} runs of ${SECONDS} s per point`,
  "",
  "| cache | connections | today req/s | koa-context req/s | koa-chain req/s | koa-context / today | koa-chain / today | today p99 ms | koa-chain p99 ms | process µs/req today | process µs/req koa-chain |",
  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
];
for (const cache of ["off", "memory"]) {
  for (const c of CONNECTIONS) {
    const [today, context, chain] = PLANES.map((p) => results[`${p} cache ${cache}`]![c]!);
    const errors = [today, context, chain].some((r) => r!.errors > 0) ? " (errors!)" : "";
    lines.push(
      `| ${cache} | ${c} | ${f0(today!.rps)} | ${f0(context!.rps)} | ${f0(chain!.rps)} | ${f2(context!.rps / today!.rps)} | ${f2(chain!.rps / today!.rps)} | ${f2(today!.p99)} | ${f2(chain!.p99)} | ${f0(today!.cpu?.processUsPerRequest ?? Number.NaN)} | ${f0(chain!.cpu?.processUsPerRequest ?? Number.NaN)}${errors} |`,
    );
  }
}
console.log(lines.join("\n"));
