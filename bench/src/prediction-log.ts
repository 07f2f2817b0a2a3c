// The prediction log's cost: co2 /v1 predict on this tree's server with the log off (and so the
// replay sample), writing JSON Lines with and without the replay sample, and (when
// clickhouse-server is installed) writing to ClickHouse on loopback, side by side. Figures only.
//   npm run bench:prediction-log
//   BENCH_CONNECTIONS=8,50 BENCH_REPEATS=5 BENCH_SECONDS=4 BENCH_CACHE=memory narrow or widen it
//   BENCH_SINKS=off,jsonl,jsonl-no-replay,jsonl-tmpfs,clickhouse the variants (all but tmpfs by default)
//   BENCH_NODE_OPTIONS=--max-semi-space-size=32 the servers' node options
//   BENCH_SERVER_CPUS=1 BENCH_WRK_CPUS=0 the servers and wrk on CPUs of their own (taskset)
import { execFileSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { hasClickHouse, startClickHouse } from "../../packages/monitor/testing/clickhouse-server.js";
import { logPathCost } from "./serving/log-path.js";
import { benchModels, writeFileIn } from "./serving/models.js";
import { startNode, stop, waitReady } from "./serving/process.js";
import { wrk, wrkScript, type LoadResult } from "./serving/wrk.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? "1,50").split(",").map(Number);
const REPO = resolve(import.meta.dirname, "../..");
const CACHE = process.env.BENCH_CACHE ?? "off";
const SINKS = process.env.BENCH_SINKS?.split(",");
const NODE_OPTIONS = process.env.BENCH_NODE_OPTIONS;
const SERVER_CPUS = process.env.BENCH_SERVER_CPUS;
const log = (line: string) => console.error(line);

const { lockPath, lock, dir: modelsDir } = await benchModels(log, ["co2-forecast"]);
const work = await mkdtemp(join(tmpdir(), "lockstep-bench-log-"));
const wanted = (sink: string) => (SINKS === undefined ? sink !== "jsonl-tmpfs" : SINKS.includes(sink));
// the tmpfs variant's directory, made only when it runs
const SHM = wanted("jsonl-tmpfs")
  ? await mkdtemp(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "lockstep-bench-log-"))
  : undefined;
const clickhouse = wanted("clickhouse") && hasClickHouse() ? await startClickHouse() : undefined;
process.once("exit", () => {
  rmSync(work, { recursive: true, force: true });
  if (SHM) rmSync(SHM, { recursive: true, force: true });
});
if (!clickhouse && wanted("clickhouse"))
  log(
    "clickhouse-server is not installed: the ClickHouse sink is left out (apt-get install clickhouse-server)",
  );
const body = await writeFileIn(work, "co2.json", '{"horizon": 12}');
const script = await writeFileIn(work, "co2.lua", wrkScript("POST", body, "application/json"));

const allVariants: { name: string; env: Record<string, string> }[] = [
  { name: "off", env: { LOCKSTEP_PREDICTION_LOG: "off" } },
  {
    name: "jsonl",
    env: {
      LOCKSTEP_PREDICTION_LOG: "jsonl",
      LOCKSTEP_PREDICTION_LOG_DIR: join(work, "log"),
      LOCKSTEP_REPLAY_DIR: join(work, "replay"),
    },
  },
  {
    // the log alone: the replay sample, on wherever the log goes, off
    name: "jsonl-no-replay",
    env: {
      LOCKSTEP_PREDICTION_LOG: "jsonl",
      LOCKSTEP_PREDICTION_LOG_DIR: join(work, "log-no-replay"),
      LOCKSTEP_REPLAY: "off",
    },
  },
  ...(SHM
    ? [
        {
          // the same on memory (tmpfs): the log's cost without the disk's writeback
          name: "jsonl-tmpfs",
          env: {
            LOCKSTEP_PREDICTION_LOG: "jsonl",
            LOCKSTEP_PREDICTION_LOG_DIR: join(SHM, "log"),
            LOCKSTEP_REPLAY_DIR: join(SHM, "replay"),
          },
        },
      ]
    : []),
  ...(clickhouse
    ? [
        {
          name: "clickhouse",
          env: { LOCKSTEP_PREDICTION_LOG: "clickhouse", LOCKSTEP_CLICKHOUSE_URL: `${clickhouse.url}/bench` },
        },
      ]
    : []),
];
const variants = allVariants.filter((v) => wanted(v.name));
const servers = [];
for (const variant of variants) {
  const server = await startNode(join(import.meta.dirname, "serving/tree-server.ts"), {
    TREE: REPO,
    TREE_NAME: variant.name,
    LOCKSTEP_LOCK: lockPath,
    LOCKSTEP_CACHE: CACHE,
    NODE_ENV: "production",
    LOG_LEVEL: "info",
    ...(NODE_OPTIONS ? { NODE_OPTIONS } : {}),
    ...variant.env,
  });
  await waitReady(`http://127.0.0.1:${server.port}/readyz`);
  // every thread of the server (and those it starts later) on these CPUs
  if (SERVER_CPUS) execFileSync("taskset", ["-a", "-p", "-c", SERVER_CPUS, String(server.child.pid)]);
  const url = `http://127.0.0.1:${server.port}/v1/models/co2-forecast/predict`;
  await wrk(url, script, 8, 1);
  servers.push({ name: variant.name, server, url });
}
const median = (runs: LoadResult[]) => [...runs].sort((x, y) => x.rps - y.rps)[Math.floor(runs.length / 2)]!;
const rows: string[] = [];
let serverOffUs = Number.NaN;
for (const c of CONNECTIONS) {
  const runs = new Map<string, LoadResult[]>(servers.map((s) => [s.name, []]));
  for (let r = 0; r < REPEATS; r++) {
    for (let i = 0; i < servers.length; i++) {
      const { name, server, url } = servers[(i + r) % servers.length]!;
      log(`${c} connections, log ${name}, run ${r + 1}/${REPEATS}`);
      runs.get(name)!.push(await wrk(url, script, c, SECONDS, server.child.pid));
    }
  }
  const offRuns = runs.get("off")!;
  const off = median(offRuns);
  serverOffUs = off.cpu?.processUsPerRequest ?? Number.NaN;
  for (const { name } of servers) {
    const m = median(runs.get(name)!);
    // each repeat's runs are minutes apart at most: the median of their ratios is steadier than a ratio of medians
    const paired = runs
      .get(name)!
      .map((run, r) => run.rps / offRuns[r]!.rps)
      .sort((a, b) => a - b);
    const pairedMedian = paired[Math.floor(paired.length / 2)]!;
    const us = (v: number | undefined) => (v ?? Number.NaN).toFixed(1);
    rows.push(
      `| ${c} | ${name} | ${m.rps.toFixed(0)} | ${(m.rps / off.rps).toFixed(3)} | ${pairedMedian.toFixed(3)} (${paired[0]!.toFixed(2)}–${paired.at(-1)!.toFixed(2)}) | ${m.p99.toFixed(2)} | ${us(m.cpu?.threadUsPerRequest)} | ${us(m.cpu?.processUsPerRequest)} |${m.errors ? " errors!" : ""}`,
    );
  }
}
for (const { server } of servers) await stop(server.child);
await clickhouse?.stop();
log("the log's own path in process, 200,000 requests");
const path = await logPathCost(lock, modelsDir);
const added = path.jsonlUs - path.offUs;
console.log(
  [
    `# co2 /v1 predict with the prediction log off and on (cache ${CACHE}): median of ${REPEATS} runs of ${SECONDS} s`,
    "",
    "| connections | log | req/s | against off | paired runs against off, median (range) | p99 ms | server thread µs/req | server process µs/req |",
    "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
    "",
    `# The log's own work per request, in process (monitor fields, drift window, encoding, JSON Lines writes; ${path.requests.toLocaleString("en")} requests)`,
    "",
    `| log off µs/req | JSON Lines µs/req | added µs/req | server µs/req, log off, ${CONNECTIONS.at(-1)} connections | added / server |`,
    "| ---: | ---: | ---: | ---: | ---: |",
    `| ${path.offUs.toFixed(2)} | ${path.jsonlUs.toFixed(2)} | ${added.toFixed(2)} | ${serverOffUs.toFixed(0)} | ${((100 * added) / serverOffUs).toFixed(1)}% |`,
  ].join("\n"),
);
