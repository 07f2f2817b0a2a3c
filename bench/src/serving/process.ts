import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";

export interface Child {
  child: ChildProcess;
  port: number;
  /** Milliseconds from spawn to the "listening" log line. */
  listeningMs: number;
  started: number;
}

/** Starts a Node script (through tsx) that logs {"msg":"listening","port":N} as JSON. */
export async function startNode(script: string, env: Record<string, string>): Promise<Child> {
  const started = performance.now();
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    env: { ...process.env, PORT: "0", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buffer = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      buffer += chunk;
      const lines = buffer.split("\n");
      buffer = lines.pop()!;
      for (const line of lines) {
        try {
          const entry = JSON.parse(line) as { msg?: string; port?: number };
          if (entry.msg === "listening") resolve(entry.port!);
        } catch {
          // not a log line
        }
      }
    });
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { child, port, listeningMs: performance.now() - started, started };
}

export async function waitReady(url: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error(`${url} not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resident set size now and at its peak (MB), from /proc. */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
  return { rssMb: kb("VmRSS") / 1024, peakMb: kb("VmHWM") / 1024 };
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}
