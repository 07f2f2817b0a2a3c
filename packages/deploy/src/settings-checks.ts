// What the deployment config's schema cannot say about one model's resolved settings, checked
// before anything is rendered: the autoscaler's bounds, the canary analysis' inconclusive limit,
// limits below requests, and a memory limit below what an inference server needs.
import { MIN_MEMORY_BUDGET } from "@lockstep/models";
import { DeployError } from "./errors.js";
import { quantityValue } from "./names.js";
import type { RenderTarget } from "./target.js";

export function settingsChecks(target: RenderTarget): void {
  const { hpa, resources } = target.settings;
  const at = `/models/${target.model}/environments/${target.environment}`;
  if (hpa.maxReplicas < hpa.minReplicas)
    throw new DeployError(
      "DEPLOY_CONFIG_INVALID",
      `${at}/hpa: maxReplicas ${hpa.maxReplicas} is below minReplicas ${hpa.minReplicas}`,
      [{ pointer: `${at}/hpa/maxReplicas`, message: "below minReplicas" }],
    );
  const { analysis } = target.settings.canary;
  // Argo Rollouts ends a metric Inconclusive only when its inconclusive measurements exceed the
  // limit (analysis/analysis.go): at `count` or above, an analysis that measured nothing passes
  if (analysis.inconclusiveLimit >= analysis.count)
    throw new DeployError(
      "DEPLOY_CONFIG_INVALID",
      `${at}/canary/analysis: inconclusiveLimit ${analysis.inconclusiveLimit} must be below count ${analysis.count}, or a canary with no traffic would be promoted unchecked`,
      [{ pointer: `${at}/canary/analysis/inconclusiveLimit`, message: "not below count" }],
    );
  for (const resource of ["cpu", "memory"] as const) {
    const request = quantityValue(resources.requests[resource])!;
    const limit = quantityValue(resources.limits[resource])!;
    if (limit < request)
      throw new DeployError(
        "DEPLOY_CONFIG_INVALID",
        `${at}/resources: the ${resource} limit ${resources.limits[resource]} is below the request ${resources.requests[resource]}`,
        [{ pointer: `${at}/resources/limits/${resource}`, message: "below the request" }],
      );
  }
  // the server's memory budget is the pod's limit: below the least a server runs in, it would refuse to start
  if (quantityValue(resources.limits.memory)! < MIN_MEMORY_BUDGET)
    throw new DeployError(
      "DEPLOY_CONFIG_INVALID",
      `${at}/resources: the memory limit ${resources.limits.memory} is below the ${MIN_MEMORY_BUDGET / 2 ** 20}Mi an inference server needs`,
      [{ pointer: `${at}/resources/limits/memory`, message: "below the server's minimum" }],
    );
}
