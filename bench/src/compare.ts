// This tree's inference server beside another commit's, side by side: co2 /v1 predict under wrk
// on loopback at 1, 8, 32 and 50 connections, cache off and on. Figures only.
//   npm run bench:compare -- <before ref> [<after ref>]   (default: HEAD against the working tree)
//   BENCH_CONNECTIONS=50 BENCH_CACHE=off BENCH_REPEATS=5 BENCH_SECONDS=4 narrow or widen it
import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { benchModels, writeFileIn } from "./serving/models.js";
import { startNode, stop, waitReady } from "./serving/process.js";
import { worktreeOf } from "./serving/worktree.js";
import { wrk, wrkScript, type LoadResult } from "./serving/wrk.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? "1,8,32,50").split(",").map(Number);
const CACHES = (process.env.BENCH_CACHE ?? "off,memory").split(",");
const REPO = resolve(import.meta.dirname, "../..");
const log = (line: string) => console.error(line);

const ref = process.argv[2] ?? "HEAD";
const afterRef = process.argv[3];
const { lockPath } = await benchModels(log, ["co2-forecast"]);
const work = await mkdtemp(join(tmpdir(), "lockstep-bench-compare-"));
const before = worktreeOf(REPO, ref, join(work, "before"));
// a second ref runs from its own worktree, so the working tree may change while the bench runs
const after = afterRef ? worktreeOf(REPO, afterRef, join(work, "after")) : undefined;
process.once("exit", () => {
  before.remove();
  after?.remove();
  rmSync(work, { recursive: true, force: true });
});
log(`comparing ${after ? `${afterRef} (${after.commit})` : "this tree"} with ${ref} (${before.commit})`);
const body = await writeFileIn(work, "co2.json", '{"horizon": 12}');
const script = await writeFileIn(work, "co2.lua", wrkScript("POST", body, "application/json"));
const TREES = [
  { name: before.commit, dir: before.dir },
  { name: after?.commit ?? "this tree", dir: after?.dir ?? REPO },
];

const median = (runs: LoadResult[]): LoadResult =>
  [...runs].sort((x, y) => x.rps - y.rps)[Math.floor(runs.length / 2)]!;

// both servers up at once, loaded one at a time in a rotating order, each point the median of
// REPEATS runs, so drift in the machine falls on both alike
const results = new Map<string, LoadResult>();
const key = (tree: string, cache: string, c: number) => `${tree} ${cache} ${c}`;
for (const cache of CACHES) {
  const servers = [];
  for (const tree of TREES) {
    const server = await startNode(join(import.meta.dirname, "serving/tree-server.ts"), {
      TREE: tree.dir,
      TREE_NAME: tree.name,
      LOCKSTEP_LOCK: lockPath,
      LOCKSTEP_CACHE: cache,
      // the log and the replay sample in this run's directory, removed at exit, not beside the lock
      LOCKSTEP_PREDICTION_LOG_DIR: join(work, `predictions-${tree.name}-${cache}`),
      LOCKSTEP_REPLAY_DIR: join(work, `replay-${tree.name}-${cache}`),
      NODE_ENV: "production",
      LOG_LEVEL: "info",
    });
    await waitReady(`http://127.0.0.1:${server.port}/readyz`);
    const url = `http://127.0.0.1:${server.port}/v1/models/co2-forecast/predict`;
    await wrk(url, script, 8, 1); // warm-up
    servers.push({ tree: tree.name, server, url });
  }
  for (const c of CONNECTIONS) {
    const runs = new Map<string, LoadResult[]>(TREES.map((t) => [t.name, []]));
    for (let r = 0; r < REPEATS; r++) {
      for (let i = 0; i < servers.length; i++) {
        const { tree, server, url } = servers[(i + r) % servers.length]!;
        log(`cache ${cache}, ${c} connections, ${tree}, run ${r + 1}/${REPEATS}`);
        runs.get(tree)!.push(await wrk(url, script, c, SECONDS, server.child.pid));
      }
    }
    for (const [tree, treeRuns] of runs) results.set(key(tree, cache, c), median(treeRuns));
  }
  for (const { server } of servers) await stop(server.child);
}

const f0 = (n: number) => n.toFixed(0);
const f2 = (n: number) => n.toFixed(2);
const [a, b] = TREES.map((t) => t.name) as [string, string];
const lines = [
  `# co2 /v1 predict, ${a} against ${b}: median of ${REPEATS} runs of ${SECONDS} s per point`,
  "",
  `| cache | connections | ${a} req/s | ${b} req/s | ratio | ${a} p99 ms | ${b} p99 ms | ${a} µs/req | ${b} µs/req |`,
  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
];
for (const cache of CACHES) {
  for (const c of CONNECTIONS) {
    const x = results.get(key(a, cache, c))!;
    const y = results.get(key(b, cache, c))!;
    const errors = x.errors + y.errors > 0 ? " (errors!)" : "";
    const us = (r: LoadResult) => f0(r.cpu?.processUsPerRequest ?? Number.NaN);
    lines.push(
      `| ${cache} | ${c} | ${f0(x.rps)} | ${f0(y.rps)} | ${f2(y.rps / x.rps)} | ${f2(x.p99)} | ${f2(y.p99)} | ${us(x)} | ${us(y)}${errors} |`,
    );
  }
}
console.log(lines.join("\n"));
