// `lockstep serve` as a child process inside a memory cgroup: its URL, its resident memory and
// how it ended. Shared by the memory-limit test and `npm run bench:memory`.
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { MemoryCgroup } from "./memory-cgroup.js";

export interface ServedProcess {
  child: ChildProcess;
  url: string;
  /** The server process's resident set now (VmRSS, bytes); 0 once it is gone. */
  rss(): number;
  /** How it ended: undefined while it runs, else its exit code or 128 + signal number-ish (137 = SIGKILL). */
  exit(): number | undefined;
  /** Its log lines about memory at start ("memory budget", HEAP_OVER_BUDGET), parsed. */
  memoryLog: Record<string, unknown>[];
  stop(): Promise<void>;
}

const SIGNALS: Record<string, number> = { SIGKILL: 9, SIGTERM: 15, SIGABRT: 6, SIGSEGV: 11 };

/** VmRSS of a process in bytes (0 when it has exited). */
export function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/**
 * Starts `lockstep serve --lock <lock>` from the tree at `repo` (its own sources, through tsx)
 * inside `cgroup`, on a free loopback port, and waits until /readyz answers 200.
 */
export async function serveInCgroup(
  cgroup: MemoryCgroup,
  repo: string,
  lock: string,
  env: Record<string, string> = {},
): Promise<ServedProcess> {
  const bin = join(repo, "packages/cli/src/bin.ts");
  const args = ["--import", "tsx", bin, "serve", "--lock", lock, "--port", "0", "--host", "127.0.0.1"];
  const child = cgroup.spawn(process.execPath, args, {
    cwd: repo,
    env: { ...process.env, LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let exit: number | undefined;
  child.once("exit", (code, signal) => (exit = code ?? 128 + (SIGNALS[signal ?? ""] ?? 0)));
  const memoryLog: Record<string, unknown>[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    let buffer = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop()!.slice(-65536);
      for (const line of lines) {
        if (/"msg":"memory budget"|HEAP_OVER_BUDGET/.test(line))
          memoryLog.push(JSON.parse(line) as Record<string, unknown>);
        const match = /"port":(\d+)[^\n]*"msg":"listening"/.exec(line);
        if (match) resolve(Number(match[1]));
      }
    });
    child.once("exit", (code) => reject(new Error(`the server exited with ${code} before listening`)));
  });
  child.stdout!.resume();
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (exit !== undefined) throw new Error(`the server exited with ${exit} while loading`);
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // the shell exec'd node: the child's pid is the server's
  const pid = child.pid!;
  return {
    child,
    url,
    rss: () => (exit === undefined ? rssOf(pid) : 0),
    exit: () => exit,
    memoryLog,
    stop: async () => {
      if (exit !== undefined) return;
      const gone = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await gone;
    },
  };
}
