import { getHeapStatistics } from "node:v8";
import {
  DEFAULT_MEMORY_BUDGET,
  heapOption,
  memoryPlan,
  MIN_MEMORY_BUDGET,
  parseMemoryQuantity,
  type MemoryPlan,
} from "@lockstep/models";

/** Where the budget came from, as the start log says it. */
export type BudgetSource = "LOCKSTEP_MEMORY_BUDGET" | "cgroup" | "default";

export interface MemoryBudget extends MemoryPlan {
  source: BudgetSource;
}

/** A malformed or too small LOCKSTEP_MEMORY_BUDGET (configFromEnv turns it into its ConfigError). */
export class MemoryBudgetError extends Error {
  override readonly name = "MemoryBudgetError";
  readonly code = "MEMORY_BUDGET_INVALID";
}

/**
 * The process's memory budget: LOCKSTEP_MEMORY_BUDGET when set (a Kubernetes quantity, "512Mi"),
 * else the cgroup's limit (`cgroupLimit`, read by the caller), else 1 GiB; and every figure
 * derived from it.
 */
export function memoryBudget(raw: string | undefined, cgroupLimit?: number): MemoryBudget {
  if (raw !== undefined && raw.trim() !== "") {
    const bytes = parseMemoryQuantity(raw);
    if (bytes === undefined)
      throw new MemoryBudgetError(
        `LOCKSTEP_MEMORY_BUDGET must be a memory quantity like 512Mi, 1Gi or 536870912, got "${raw.slice(0, 40)}"`,
      );
    if (bytes < MIN_MEMORY_BUDGET)
      throw new MemoryBudgetError(
        `LOCKSTEP_MEMORY_BUDGET is ${raw.trim()}: a server needs at least ${MIN_MEMORY_BUDGET / 2 ** 20}Mi`,
      );
    if (cgroupLimit !== undefined && bytes > cgroupLimit)
      throw new MemoryBudgetError(
        `LOCKSTEP_MEMORY_BUDGET (${raw.trim()}) is over this process's cgroup limit of ${cgroupLimit} bytes`,
      );
    return { ...memoryPlan(bytes), source: "LOCKSTEP_MEMORY_BUDGET" };
  }
  if (cgroupLimit !== undefined)
    return { ...memoryPlan(Math.max(cgroupLimit, MIN_MEMORY_BUDGET)), source: "cgroup" };
  return { ...memoryPlan(DEFAULT_MEMORY_BUDGET), source: "default" };
}

const MiB = (bytes: number) => Math.round(bytes / 2 ** 20);

/**
 * The budget's figures for the start log (MiB), and a warning when V8 may grow its heap past its
 * share: V8 sizes its heap from the machine, not the budget, unless NODE_OPTIONS says otherwise.
 */
export function budgetReport(
  budget: MemoryBudget,
  heapLimit = getHeapStatistics().heap_size_limit,
): { figures: Record<string, unknown>; warning?: string } {
  const figures = {
    source: budget.source,
    budgetMiB: MiB(budget.budgetBytes),
    heapPlannedMiB: MiB(budget.heapBytes),
    heapLimitMiB: MiB(heapLimit),
    inFlightMiB: MiB(budget.inFlightBytes),
    maxAnswerMiB: MiB(budget.maxAnswerBytes),
    cacheMiB: MiB(budget.cacheBytes),
    bufferPoolMiB: MiB(budget.bufferPoolBytes),
  };
  // V8's heap_size_limit counts the young generation too: allow it a quarter over the old space;
  // with no limit anywhere (the default budget) nothing would kill the process, so no warning
  if (budget.source === "default" || heapLimit <= budget.heapBytes * 1.25) return { figures };
  return {
    figures,
    warning: `V8 may grow its heap to ${MiB(heapLimit)} MiB, past the ${MiB(budget.heapBytes)} MiB this ${MiB(budget.budgetBytes)} MiB budget plans for it: start node with NODE_OPTIONS=${heapOption(budget.budgetBytes)}`,
  };
}
