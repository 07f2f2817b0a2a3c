/**
 * One memory budget for a serving process, and every figure derived from it: V8's old space, the
 * bytes all requests in flight may hold together, the body and answer limits, the response cache,
 * the connection cap and the buffer pools. The inference server derives its limits from it at start;
 * the deploy renderer derives the pod's NODE_OPTIONS from the same function and the same setting (the
 * pod's memory limit), so what runs and what is rendered cannot disagree.
 */
export interface MemoryPlan {
  /** The whole budget: the cgroup's limit, LOCKSTEP_MEMORY_BUDGET, or the default. */
  budgetBytes: number;
  /** V8's old space (--max-old-space-size): half the budget, the rest is native memory and buffers. */
  heapBytes: number;
  /** Bytes every request in flight may hold together (bodies as declared, expected answers). */
  inFlightBytes: number;
  /** Largest body of each kind: never more than the in-flight budget can take at once. */
  bodyLimits: { json: number; image: number; binary: number };
  /** Largest answer, in bytes of JSON. */
  maxAnswerBytes: number;
  /** The in-process response cache's byte budget. */
  cacheBytes: number;
  /** Open connections at once. */
  maxConnections: number;
  /** Bytes all buffer pools may keep for reuse together. */
  bufferPoolBytes: number;
}

const MiB = 1024 * 1024;

/** Without a cgroup limit or LOCKSTEP_MEMORY_BUDGET: the figures the server had before budgets. */
export const DEFAULT_MEMORY_BUDGET = 1024 * MiB;
/** Below this a server cannot hold its runtime and one model: refused at start. */
export const MIN_MEMORY_BUDGET = 128 * MiB;

const atMost = (cap: number, value: number) => Math.floor(Math.min(cap, value));

/** The figures for a budget in bytes (each a fixed share of it, capped at the old defaults). */
export function memoryPlan(budgetBytes: number): MemoryPlan {
  const inFlightBytes = Math.floor(budgetBytes / 8);
  return {
    budgetBytes,
    heapBytes: Math.floor(budgetBytes / 2 / MiB) * MiB,
    inFlightBytes,
    bodyLimits: {
      json: atMost(1 * MiB, inFlightBytes / 64),
      image: atMost(20 * MiB, inFlightBytes / 4),
      binary: atMost(32 * MiB, inFlightBytes / 4),
    },
    maxAnswerBytes: atMost(16 * MiB, budgetBytes / 64),
    cacheBytes: atMost(64 * MiB, budgetBytes / 16),
    maxConnections: atMost(10_000, budgetBytes / (64 * 1024)),
    bufferPoolBytes: atMost(8 * MiB, budgetBytes / 128),
  };
}

/** The Node option that sizes V8's old space for a budget: what the pod's NODE_OPTIONS carries. */
export function heapOption(budgetBytes: number): string {
  return `--max-old-space-size=${memoryPlan(budgetBytes).heapBytes / MiB}`;
}

const FACTORS: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/**
 * Bytes of a memory quantity as Kubernetes writes one ("512Mi", "1Gi", "1.5G", "536870912"), or
 * undefined when it is not one (negative, empty, an unknown suffix, not a whole number of bytes).
 */
export function parseMemoryQuantity(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(text.trim());
  if (!match) return undefined;
  const bytes = Number(match[1]) * FACTORS[match[2] ?? ""]!;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}
