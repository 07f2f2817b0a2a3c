import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { memoryPlan } from "@lockstep/models";
import { ConfigError, configFromEnv } from "../src/index.js";
import { budgetReport, memoryBudget } from "../src/memory/budget.js";
import { cgroupMemoryLimit } from "../src/memory/cgroup-limit.js";
import { ByteBudget } from "../src/inference-steps/byte-budget.js";
import { createMetrics } from "../src/metrics.js";
import { HttpError } from "../src/errors.js";

const MiB = 2 ** 20;
const roots: string[] = [];
afterAll(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

/** A fake filesystem root holding /proc/self/cgroup and the limit files given. */
async function fakeRoot(cgroup: string, files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "lockstep-cgroup-"));
  roots.push(root);
  for (const [path, text] of Object.entries({ "proc/self/cgroup": cgroup, ...files })) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

describe("the process's memory limit from its cgroup", () => {
  it("reads cgroup v2's memory.max of its own cgroup, the smallest along its ancestry", async () => {
    const root = await fakeRoot("0::/kubepods/pod1/c1\n", {
      "sys/fs/cgroup/kubepods/pod1/c1/memory.max": "max\n",
      "sys/fs/cgroup/kubepods/pod1/memory.max": `${512 * MiB}\n`,
      "sys/fs/cgroup/kubepods/memory.max": `${4096 * MiB}\n`,
    });
    expect(cgroupMemoryLimit(root)).toBe(512 * MiB);
  });

  it("reads cgroup v1's memory.limit_in_bytes, and the mount's own when a container sees only its cgroup", async () => {
    const v1 = await fakeRoot("12:cpu,cpuacct:/x\n4:memory:/process_api/abc\n0::/\n", {
      "sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes": `${536870912}\n`,
      "sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",
    });
    expect(cgroupMemoryLimit(v1)).toBe(512 * MiB);
    const container = await fakeRoot("4:memory:/docker/0123\n", {
      "sys/fs/cgroup/memory/memory.limit_in_bytes": `${256 * MiB}\n`,
    });
    expect(cgroupMemoryLimit(container)).toBe(256 * MiB);
  });

  it("finds no limit where there is none: unlimited, max, no cgroup files, garbage", async () => {
    const unlimited = await fakeRoot("4:memory:/a\n", {
      "sys/fs/cgroup/memory/a/memory.limit_in_bytes": "9223372036854771712\n",
    });
    expect(cgroupMemoryLimit(unlimited)).toBeUndefined();
    expect(
      cgroupMemoryLimit(await fakeRoot("0::/\n", { "sys/fs/cgroup/memory.max": "max\n" })),
    ).toBeUndefined();
    expect(cgroupMemoryLimit(await fakeRoot("0::/a\n", {}))).toBeUndefined();
    expect(
      cgroupMemoryLimit(await fakeRoot("0::/\n", { "sys/fs/cgroup/memory.max": "-5\n" })),
    ).toBeUndefined();
    expect(cgroupMemoryLimit(join(tmpdir(), "no-such-root-for-lockstep"))).toBeUndefined();
  });
});

describe("one memory budget sizes every limit", () => {
  it("takes LOCKSTEP_MEMORY_BUDGET, else the cgroup's limit, else 1 GiB", () => {
    expect(memoryBudget("512Mi", 1024 * MiB)).toMatchObject({
      source: "LOCKSTEP_MEMORY_BUDGET",
      budgetBytes: 512 * MiB,
    });
    expect(memoryBudget(undefined, 768 * MiB)).toMatchObject({ source: "cgroup", budgetBytes: 768 * MiB });
    expect(memoryBudget(undefined)).toMatchObject({ source: "default", budgetBytes: 1024 * MiB });
    expect(memoryBudget(" ", undefined).source).toBe("default");
  });

  it("derives the limits from the pod's 512Mi, and an explicit variable still wins", () => {
    const config = configFromEnv({}, { cgroupLimit: 512 * MiB });
    expect(config.memory.heapBytes).toBe(256 * MiB);
    expect(config.maxInFlightBytes).toBe(64 * MiB);
    expect(config.bodyLimits).toMatchObject({ json: MiB, binary: 16 * MiB, image: 16 * MiB });
    expect(config.maxAnswerBytes).toBe(8 * MiB);
    expect(config.cache.maxBytes).toBe(32 * MiB);
    expect(config.limits.maxConnections).toBe(8192);
    const explicit = configFromEnv(
      { LOCKSTEP_MAX_BINARY_BYTES: String(4 * MiB), LOCKSTEP_MAX_IN_FLIGHT_BYTES: String(8 * MiB) },
      { cgroupLimit: 512 * MiB },
    );
    expect(explicit.bodyLimits.binary).toBe(4 * MiB);
    expect(explicit.maxInFlightBytes).toBe(8 * MiB);
    // without a budget the old defaults hold
    expect(configFromEnv({})).toMatchObject({ maxAnswerBytes: 16 * MiB, maxInFlightBytes: 128 * MiB });
  });

  it("keeps every body limit within what the in-flight budget takes at once", () => {
    for (const budget of [128, 256, 512, 1024, 4096, 65536].map((m) => m * MiB)) {
      const plan = memoryPlan(budget);
      for (const limit of Object.values(plan.bodyLimits))
        expect(limit).toBeLessThanOrEqual(plan.inFlightBytes / 4);
      expect(plan.heapBytes + plan.inFlightBytes + plan.cacheBytes).toBeLessThan(budget);
    }
  });

  it.each([
    ["lots", /must be a memory quantity/],
    ["-1Gi", /must be a memory quantity/],
    ["512MB", /must be a memory quantity/],
    ["0x200", /must be a memory quantity/],
    ["99999999999999999999Gi", /must be a memory quantity/],
    ["0", /at least 128Mi/],
    ["100Mi", /at least 128Mi/],
  ])("refuses LOCKSTEP_MEMORY_BUDGET=%j with a ConfigError", (raw, message) => {
    expect(() => configFromEnv({ LOCKSTEP_MEMORY_BUDGET: raw })).toThrow(ConfigError);
    expect(() => configFromEnv({ LOCKSTEP_MEMORY_BUDGET: raw })).toThrow(message);
  });

  it("refuses a budget over the cgroup's limit: the kernel would kill the process first", () => {
    expect(() => configFromEnv({ LOCKSTEP_MEMORY_BUDGET: "1Gi" }, { cgroupLimit: 512 * MiB })).toThrow(
      /over this process's cgroup limit/,
    );
  });

  it("warns when V8's heap may grow past its share of the budget", () => {
    const budget = memoryBudget("512Mi");
    expect(budgetReport(budget, 4144 * MiB).warning).toMatch(/NODE_OPTIONS=--max-old-space-size=256/);
    expect(budgetReport(budget, 260 * MiB).warning).toBeUndefined();
    // no limit anywhere: nothing to warn about
    expect(budgetReport(memoryBudget(undefined), 4144 * MiB).warning).toBeUndefined();
    expect(budgetReport(budget, 260 * MiB).figures).toMatchObject({
      budgetMiB: 512,
      heapPlannedMiB: 256,
      inFlightMiB: 64,
    });
  });
});

describe("the in-flight byte budget", () => {
  const refusal = (fn: () => void) => {
    try {
      fn();
      return "held";
    } catch (error) {
      return error instanceof HttpError ? `${error.status} ${error.code}` : String(error);
    }
  };

  it("holds bytes as added, refuses 413 alone over it and 503 over what others leave, and gives back once", () => {
    const budget = new ByteBudget(1000, createMetrics());
    const a = budget.open();
    const b = budget.open();
    expect(refusal(() => a.add(600, "a"))).toBe("held");
    expect(refusal(() => b.check(1001, "b"))).toBe("413 REQUEST_TOO_LARGE");
    expect(refusal(() => b.check(500, "b"))).toBe("503 MEMORY_BUSY");
    expect(refusal(() => b.add(400, "b"))).toBe("held");
    expect(refusal(() => b.add(1, "b"))).toBe("503 MEMORY_BUSY");
    expect(budget.bytes).toBe(1000);
    a.release();
    a.release();
    expect(budget.bytes).toBe(400);
    b.release();
    expect(budget.bytes).toBe(0);
    // a released reservation holds nothing more
    b.add(10, "b");
    expect(budget.bytes).toBe(0);
  });
});
