import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { cpuCost, cpuSample, type CpuCost } from "./cpu.js";

const run = promisify(execFile);

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
  /** The server's CPU per request during the run, when its pid was given. */
  cpu?: CpuCost;
}

/** Lua for wrk: one request with a method, a body read from a file and a content type. */
export function wrkScript(
  method: string,
  bodyPath: string | undefined,
  contentType: string | undefined,
): string {
  return [
    `wrk.method = "${method}"`,
    bodyPath ? `local f = assert(io.open("${bodyPath}", "rb")); wrk.body = f:read("*a"); f:close()` : "",
    contentType ? `wrk.headers["Content-Type"] = "${contentType}"` : "",
  ].join("\n");
}

const toMs = (value: string, unit: string) => Number(value) * ({ us: 0.001, ms: 1, s: 1000 }[unit] ?? 1);

/**
 * Runs wrk for `seconds` at `connections` and returns requests/s and latency percentiles in ms;
 * with the server's `pid`, also what the requests cost its thread, the process and the machine.
 */
export async function wrk(
  url: string,
  script: string,
  connections: number,
  seconds: number,
  pid?: number,
): Promise<LoadResult> {
  const threads = Math.min(2, connections);
  const before = pid === undefined ? undefined : cpuSample(pid);
  // BENCH_WRK_CPUS=0: wrk pinned to those CPUs (taskset), apart from a server pinned to the others
  const pinned = process.env.BENCH_WRK_CPUS;
  const { stdout } = await run(
    pinned ? "taskset" : "wrk",
    [
      ...(pinned ? ["-c", pinned, "wrk"] : []),
      "-t",
      String(threads),
      "-c",
      String(connections),
      "-d",
      `${seconds}s`,
      "--latency",
      "-s",
      script,
      url,
    ],
    { maxBuffer: 1 << 20 },
  );
  const after = pid === undefined ? undefined : cpuSample(pid);
  const result = parseWrk(stdout);
  return before && after ? { ...result, cpu: cpuCost(before, after, result.requests) } : result;
}

/** Reads wrk's report; a figure wrk did not print is NaN, so a broken run cannot pass for a fast one. */
export function parseWrk(stdout: string): LoadResult {
  const pct = (p: string) => {
    const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)\\b`).exec(stdout);
    return m ? toMs(m[1]!, m[2]!) : Number.NaN;
  };
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? Number.NaN),
    p50: pct("50"),
    p99: pct("99"),
    errors: non2xx + (socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
    requests: Number(/(\d+) requests in/.exec(stdout)?.[1] ?? Number.NaN),
  };
}
