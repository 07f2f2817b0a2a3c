// A memory cgroup of its own for a child process: how the tests and the memory bench put the
// server inside its pod's limit on a machine with no Kubernetes (root and a memory controller needed).
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { existsSync, readFileSync, rmdirSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

export interface MemoryCgroup {
  path: string;
  version: 1 | 2;
  limitBytes: number;
  /** Spawns `command` already inside the cgroup (a shell joins it, then execs the command). */
  spawn(command: string, args: string[], options?: SpawnOptions): ChildProcess;
  /** Processes the kernel's OOM killer killed in this cgroup. */
  oomKills(): number;
  /** The most memory the cgroup has held (bytes). */
  peakBytes(): number;
  /** Memory it holds now (bytes). */
  usageBytes(): number;
  /** Kills what is left in the cgroup (a server's helper processes), then removes it. */
  remove(): Promise<void>;
}

const V1 = "/sys/fs/cgroup/memory";
const V2 = "/sys/fs/cgroup";

const read = (path: string) => readFileSync(path, "utf8").trim();
const field = (text: string, name: string) =>
  Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1] ?? 0);

function spawnIn(procs: string) {
  return (command: string, args: string[], options: SpawnOptions = {}) =>
    spawn("sh", ["-c", `echo $$ > "$0" && exec "$@"`, procs, command, ...args], options);
}

/** SIGKILLs the processes still in the cgroup, waits for them to go, removes the directory. */
async function removeCgroup(path: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const pids = read(join(path, "cgroup.procs")).split("\n").filter(Boolean).map(Number);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone already
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  rmdirSync(path);
}

function createV1(name: string, limitBytes: number): MemoryCgroup {
  const path = join(V1, name);
  mkdirSync(path);
  writeFileSync(join(path, "memory.limit_in_bytes"), String(limitBytes));
  // no swap to escape into: memory+swap gets the same limit where the kernel accounts it
  const memsw = join(path, "memory.memsw.limit_in_bytes");
  if (existsSync(memsw)) writeFileSync(memsw, String(limitBytes));
  return {
    path,
    version: 1,
    limitBytes,
    spawn: spawnIn(join(path, "cgroup.procs")),
    oomKills: () => field(read(join(path, "memory.oom_control")), "oom_kill"),
    peakBytes: () => Number(read(join(path, "memory.max_usage_in_bytes"))),
    usageBytes: () => Number(read(join(path, "memory.usage_in_bytes"))),
    remove: () => removeCgroup(path),
  };
}

function createV2(name: string, limitBytes: number): MemoryCgroup {
  const path = join(V2, name);
  mkdirSync(path);
  writeFileSync(join(path, "memory.max"), String(limitBytes));
  if (existsSync(join(path, "memory.swap.max"))) writeFileSync(join(path, "memory.swap.max"), "0");
  return {
    path,
    version: 2,
    limitBytes,
    spawn: spawnIn(join(path, "cgroup.procs")),
    oomKills: () => field(read(join(path, "memory.events")), "oom_kill"),
    peakBytes: () =>
      existsSync(join(path, "memory.peak"))
        ? Number(read(join(path, "memory.peak")))
        : Number(read(join(path, "memory.current"))),
    usageBytes: () => Number(read(join(path, "memory.current"))),
    remove: () => removeCgroup(path),
  };
}

/**
 * A new memory cgroup limited to `limitBytes` (cgroup v1's memory controller, else cgroup v2's),
 * or why none can be made here (not root, no memory controller, a read-only /sys).
 */
export function createMemoryCgroup(
  name: string,
  limitBytes: number,
): { cgroup: MemoryCgroup } | { unavailable: string } {
  const reasons: string[] = [];
  if (existsSync(join(V1, "memory.limit_in_bytes"))) {
    try {
      return { cgroup: createV1(name, limitBytes) };
    } catch (error) {
      reasons.push(`cgroup v1 (${V1}): ${(error as Error).message}`);
    }
  } else reasons.push(`no cgroup v1 memory controller at ${V1}`);
  const controllers = existsSync(join(V2, "cgroup.controllers")) ? read(join(V2, "cgroup.controllers")) : "";
  if (/\bmemory\b/.test(controllers)) {
    try {
      return { cgroup: createV2(name, limitBytes) };
    } catch (error) {
      reasons.push(`cgroup v2 (${V2}): ${(error as Error).message}`);
    }
  } else reasons.push(`no cgroup v2 memory controller at ${V2}`);
  return { unavailable: reasons.join("; ") };
}
