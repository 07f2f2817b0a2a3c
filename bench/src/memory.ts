// Memory under the hostile mix (issue 37): `lockstep serve` with co2-forecast alone, before the
// memory budget (MEMORY_BASE, a git worktree) and this tree, each inside a memory cgroup as large
// as the limit rendered for co2's pods (with the environment rendered beside it) and inside no
// limit at all. Prints resident memory at ready, at its peak and after the mix, the cgroup's peak,
// OOM kills, and what each kind of request was answered. Figures only, never pass/fail.
//   npm run bench:memory        (root and a memory cgroup needed; MEMORY_BASE=9379762~1 by default)
import { readFileSync, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { writeLock } from "@lockstep/lockfile";
import { parseMemoryQuantity } from "@lockstep/models";
import { trainedProject } from "@lockstep/inference/testing";
import { createMemoryCgroup } from "../../apps/inference/testing/memory-cgroup.js";
import { hostileMemoryMix, type MixTally } from "../../apps/inference/testing/memory-mix.js";
import { serveInCgroup } from "../../apps/inference/testing/served-process.js";
import { worktreeOf } from "./serving/worktree.js";

const REPO = resolve(import.meta.dirname, "../..");
// the commit before the memory budget (9379762): same lock schema, no budget
const BASE = process.env.MEMORY_BASE ?? "9379762~1";
const UNLIMITED = 64 * 2 ** 30;
const MiB = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const log = (line: string) => console.error(line);

/** The co2 pod's memory limit and its rendered memory variables, as the tree at `repo` renders them. */
function renderedPod(repo: string): { limit: string; env: Record<string, string> } {
  const text = readFileSync(join(repo, "argocd/envs/staging/co2-forecast/rollout.yaml"), "utf8");
  const container = (
    parse(text) as {
      spec: {
        template: {
          spec: {
            containers: {
              env?: { name: string; value?: string }[];
              resources: { limits: { memory: string } };
            }[];
          };
        };
      };
    }
  ).spec.template.spec.containers[0]!;
  const env: Record<string, string> = {};
  for (const { name, value } of container.env ?? [])
    if (value !== undefined && (name === "LOCKSTEP_MEMORY_BUDGET" || name === "NODE_OPTIONS"))
      env[name] = value;
  return { limit: container.resources.limits.memory, env };
}

interface Run {
  tree: string;
  limit: string;
  readyRss: number;
  peakRss: number;
  afterRss: number;
  cgroupPeak: number;
  oomKills: number;
  exit: number | undefined;
  tally: MixTally;
}

async function measure(
  tree: string,
  repo: string,
  lockPath: string,
  window: number,
  limited: boolean,
): Promise<Run> {
  const pod = renderedPod(repo);
  const limitBytes = limited ? parseMemoryQuantity(pod.limit)! : UNLIMITED;
  const made = createMemoryCgroup(`lockstep-bench-memory-${process.pid}`, limitBytes);
  if ("unavailable" in made)
    throw new Error(`bench:memory needs a memory cgroup (run as root): ${made.unavailable}`);
  const { cgroup } = made;
  try {
    const served = await serveInCgroup(cgroup, repo, lockPath, limited ? pod.env : {});
    const readyRss = served.rss();
    let peakRss = readyRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, served.rss())), 25);
    const tally = await hostileMemoryMix(served.url, { window });
    await new Promise((r) => setTimeout(r, 2000));
    clearInterval(sampler);
    const run: Run = {
      tree,
      limit: limited ? pod.limit : "none",
      readyRss,
      peakRss,
      afterRss: served.rss(),
      cgroupPeak: cgroup.peakBytes(),
      oomKills: cgroup.oomKills(),
      exit: served.exit(),
      tally,
    };
    await served.stop();
    return run;
  } finally {
    await cgroup.remove();
  }
}

log("training a small co2-forecast ...");
const { dir, lock, candidate } = await trainedProject();
process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
const lockPath = join(dir, "models.lock.json");
await writeLock(lockPath, lock);
const window = candidate.trained.card.inputs[0]!.shape[1] as number;
const worktreeDir = await mkdtemp(join(tmpdir(), "lockstep-memory-base-"));
const base = worktreeOf(REPO, BASE, join(worktreeDir, "tree"));
process.once("exit", () => {
  base.remove();
  rmSync(worktreeDir, { recursive: true, force: true });
});
const head = (await import("node:child_process"))
  .execFileSync("git", ["-C", REPO, "rev-parse", "--short", "HEAD"], { encoding: "utf8" })
  .trim();

const runs: Run[] = [];
for (const limited of [true, false]) {
  for (const [tree, repo] of [
    [`before (${base.commit})`, base.dir],
    [`after (${head}+)`, REPO],
  ] as const) {
    log(`${tree}, limit ${limited ? "rendered" : "none"} ...`);
    runs.push(await measure(tree, repo, lockPath, window, limited));
  }
}

const rows = runs.map((r) => [
  r.tree,
  r.limit,
  MiB(r.readyRss),
  r.exit === undefined ? MiB(r.peakRss) : `${MiB(r.peakRss)}+`,
  r.exit === undefined ? MiB(r.afterRss) : `killed (${r.exit})`,
  MiB(r.cgroupPeak),
  String(r.oomKills),
  `${r.tally.validOk}/${r.tally.validOk + r.tally.validFailed}`,
]);
const header = [
  "server",
  "limit",
  "RSS ready MiB",
  "RSS peak MiB",
  "RSS after MiB",
  "cgroup peak MiB",
  "OOM kills",
  "valid ok",
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
console.log(
  `\nMemory under the hostile mix (co2-forecast alone; 60 binary OIP infers of 16 MB, 30 at once, 12 answers of ~3 MB, 5 bodies declaring 512 MB, 40 slow bodies, 1000 idle connections)\n`,
);
console.log(line(header));
for (const row of rows) console.log(line(row));
console.log("\nanswers by kind:");
for (const r of runs) console.log(`  ${r.tree}, limit ${r.limit}: ${JSON.stringify(r.tally.outcomes)}`);
