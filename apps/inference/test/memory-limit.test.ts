import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { writeLock } from "@lockstep/lockfile";
import { trainedProject } from "./fixture.js";
import { createMemoryCgroup, type MemoryCgroup } from "../testing/memory-cgroup.js";
import { hostileMemoryMix, validRequest, type MixTally } from "../testing/memory-mix.js";
import { serveInCgroup, type ServedProcess } from "../testing/served-process.js";

// The server inside a memory cgroup as large as the limit rendered for co2-forecast's pods, with
// the environment rendered beside it, under the hostile mix of issue 37: it must live (no OOM
// kill) and keep answering. Needs root and a memory controller: skipped elsewhere, failed under CI.

const REPO = resolve(import.meta.dirname, "../../..");
const ROLLOUT = join(REPO, "argocd/envs/staging/co2-forecast/rollout.yaml");
const inCi = /^(true|1)$/i.test(process.env.CI ?? "");

interface Container {
  env?: { name: string; value?: string }[];
  resources: { limits: { memory: string } };
}

/** The co2 pod's memory limit and the server's environment as rendered (plain values only). */
function renderedPod(): { limit: string; env: Record<string, string> } {
  const rollout = parse(readFileSync(ROLLOUT, "utf8")) as {
    spec: { template: { spec: { containers: Container[] } } };
  };
  const container = rollout.spec.template.spec.containers[0]!;
  const env: Record<string, string> = {};
  for (const { name, value } of container.env ?? []) {
    if (value !== undefined && (name.startsWith("LOCKSTEP_MEMORY") || name === "NODE_OPTIONS"))
      env[name] = value;
  }
  return { limit: container.resources.limits.memory, env };
}

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };
const bytesOf = (quantity: string) => {
  const match = /^(\d+)(Ki|Mi|Gi)?$/.exec(quantity);
  if (!match) throw new Error(`unexpected rendered memory limit ${quantity}`);
  return Number(match[1]) * (match[2] ? BINARY[match[2]]! : 1);
};

const pod = renderedPod();
const made = createMemoryCgroup(`lockstep-memory-test-${process.pid}`, bytesOf(pod.limit));
const unavailable = "unavailable" in made ? made.unavailable : undefined;
if (unavailable && !inCi)
  console.warn(`memory-limit test skipped: no memory cgroup can be made here (${unavailable})`);

describe.skipIf(unavailable !== undefined && !inCi)(
  `the server inside co2-forecast's rendered memory limit (${pod.limit})`,
  () => {
    let cgroup: MemoryCgroup;
    let served: ServedProcess;
    let dir: string;
    let window: number;

    beforeAll(async () => {
      if (unavailable) throw new Error(`CI=true requires a memory cgroup: ${unavailable}`);
      cgroup = (made as { cgroup: MemoryCgroup }).cgroup;
      let lock;
      let candidate;
      ({ dir, lock, candidate } = await trainedProject());
      window = candidate.trained.card.inputs[0]!.shape[1] as number;
      await writeLock(join(dir, "models.lock.json"), lock);
      served = await serveInCgroup(cgroup, REPO, join(dir, "models.lock.json"), pod.env);
    }, 300_000);

    afterAll(async () => {
      await served?.stop();
      await cgroup?.remove();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it("lives through the hostile mix and keeps answering valid requests", async () => {
      const { url } = served;
      // the server took the rendered budget, and V8's heap fits its share (the rendered NODE_OPTIONS works)
      const [budget, ...warnings] = served.memoryLog;
      expect(warnings).toEqual([]);
      expect(budget).toMatchObject({ memory: { budgetMiB: cgroup.limitBytes / 2 ** 20 } });
      const memory = budget!.memory as { heapLimitMiB: number; heapPlannedMiB: number };
      expect(memory.heapLimitMiB).toBeLessThanOrEqual(memory.heapPlannedMiB * 1.25);
      expect(await validRequest(url)).toBe(true);
      const tally: MixTally = await hostileMemoryMix(url, { window });
      const figures = {
        limitMiB: cgroup.limitBytes / 2 ** 20,
        peakMiB: Math.round(cgroup.peakBytes() / 2 ** 20),
        oomKills: cgroup.oomKills(),
        exit: served.exit(),
        ...tally,
      };
      console.log(`memory-limit: ${JSON.stringify(figures)}`);
      expect(cgroup.oomKills(), JSON.stringify(figures)).toBe(0);
      expect(served.exit(), JSON.stringify(figures)).toBeUndefined();
      expect(tally.validFailed, JSON.stringify(figures)).toBe(0);
      expect(await validRequest(url)).toBe(true);
      // every 16 MB binary infer is refused, and answered: 413 for its answer, or 503 while the
      // large answers hold the in-flight budget; none reaches the model, none goes unanswered
      const binary = Object.keys(tally.outcomes).filter((key) => key.startsWith("binary-16MB"));
      for (const key of binary)
        expect(key, JSON.stringify(figures)).toMatch(/ (413:ANSWER_TOO_LARGE|503:MEMORY_BUSY)$/);
    }, 300_000);
  },
);
