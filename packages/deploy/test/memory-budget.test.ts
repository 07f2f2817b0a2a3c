/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML is read back untyped, as a reviewer reads it */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { heapOption, memoryPlan, models, parseMemoryQuantity } from "@lockstep/models";
import { renderManifests, validateDeployConfig } from "../src/index.js";
import { memoryBudgetVariables } from "../src/objects/rollout.js";
import { committedConfig, committedLock, configWith } from "./fixtures.js";

const known = Object.keys(models);

function container(files: Map<string, string>, env: string, model: string): any {
  const path =
    env === "previews" ? `argocd/previews/${model}/rollout.yaml` : `argocd/envs/${env}/${model}/rollout.yaml`;
  return (parse(files.get(path)!) as any).spec.template.spec.containers[0];
}

const envOf = (c: any) =>
  Object.fromEntries((c.env as { name: string; value?: string }[]).map((v) => [v.name, v.value]));

describe("the pods' memory budget is rendered from their memory limit", () => {
  it("gives every server LOCKSTEP_MEMORY_BUDGET = its limit and NODE_OPTIONS sized from it", () => {
    const files = renderManifests(committedLock(), committedConfig()).files;
    let seen = 0;
    for (const path of files.keys()) {
      const match = /^argocd\/(?:envs\/([^/]+)|(previews))\/([^/]+)\/rollout\.yaml$/.exec(path);
      if (!match) continue;
      const c = container(files, match[1] ?? match[2]!, match[3]!);
      const env = envOf(c);
      const limit = c.resources.limits.memory as string;
      expect(env.LOCKSTEP_MEMORY_BUDGET, path).toBe(limit);
      expect(env.NODE_OPTIONS, path).toBe(heapOption(parseMemoryQuantity(limit)!));
      seen++;
    }
    expect(seen).toBeGreaterThanOrEqual(3);
    const co2 = envOf(container(files, "staging", "co2-forecast"));
    // the committed figures: 512Mi for co2-forecast, half of it for V8's old space
    expect(co2).toMatchObject({ LOCKSTEP_MEMORY_BUDGET: "512Mi", NODE_OPTIONS: "--max-old-space-size=256" });
  });

  it("follows a changed limit, and the old space stays half of it", () => {
    const config = validateDeployConfig(
      configWith(
        (c) => (c.models["co2-forecast"] = { settings: { resources: { limits: { memory: "1536Mi" } } } }),
      ),
      known,
    );
    const env = envOf(container(renderManifests(committedLock(), config).files, "staging", "co2-forecast"));
    expect(env).toMatchObject({ LOCKSTEP_MEMORY_BUDGET: "1536Mi", NODE_OPTIONS: "--max-old-space-size=768" });
    expect(memoryPlan(1536 * 2 ** 20).heapBytes).toBe(768 * 2 ** 20);
  });

  it("writes a limit the server cannot read as bytes, the same budget", () => {
    expect(memoryBudgetVariables("1e9")).toEqual([
      { name: "LOCKSTEP_MEMORY_BUDGET", value: "1000000000" },
      { name: "NODE_OPTIONS", value: heapOption(1e9) },
    ]);
  });

  it("refuses a limit below what a server runs in", () => {
    const config = validateDeployConfig(
      configWith(
        (c) => (c.defaults.resources = { requests: { memory: "64Mi" }, limits: { memory: "96Mi" } }),
      ),
      known,
    );
    expect(() => renderManifests(committedLock(), config)).toThrow(/memory limit 96Mi is below the 128Mi/);
  });
});
