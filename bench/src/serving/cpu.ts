import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** CPU seconds spent so far: the process's main thread, the whole process, and the machine. */
export interface CpuSample {
  thread: number;
  process: number;
  machineBusy: number;
  machineTotal: number;
}

/** What a load run cost: server-thread and process CPU per request, and how busy the machine was. */
export interface CpuCost {
  threadUsPerRequest: number;
  processUsPerRequest: number;
  /** All busy CPU on the machine (server, load generator, kernel) per request. */
  machineUsPerRequest: number;
  machineBusyPercent: number;
}

const TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

// utime and stime are fields 14 and 15; the command name in parentheses may hold spaces
function ticksOf(statPath: string): number {
  const stat = readFileSync(statPath, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

export function cpuSample(pid: number): CpuSample {
  const [, ...machine] = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/);
  const jiffies = machine.slice(0, 8).map(Number); // user nice system idle iowait irq softirq steal
  const idle = jiffies[3]! + jiffies[4]!;
  const total = jiffies.reduce((a, b) => a + b, 0);
  return {
    thread: ticksOf(`/proc/${pid}/task/${pid}/stat`) / TICKS,
    process: ticksOf(`/proc/${pid}/stat`) / TICKS,
    machineBusy: (total - idle) / TICKS,
    machineTotal: total / TICKS,
  };
}

export function cpuCost(before: CpuSample, after: CpuSample, requests: number): CpuCost {
  const perRequest = (seconds: number) => (requests > 0 ? (seconds * 1e6) / requests : Number.NaN);
  const machineTotal = after.machineTotal - before.machineTotal;
  return {
    threadUsPerRequest: perRequest(after.thread - before.thread),
    processUsPerRequest: perRequest(after.process - before.process),
    machineUsPerRequest: perRequest(after.machineBusy - before.machineBusy),
    machineBusyPercent:
      machineTotal > 0 ? (100 * (after.machineBusy - before.machineBusy)) / machineTotal : Number.NaN,
  };
}
