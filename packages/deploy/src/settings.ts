import type { ModelSpec } from "@lockstep/models";
import type { DeployConfig, PartialSettings, Settings } from "./config.js";

/** Defaults for every model; a model's spec and the config refine them. */
export const BASE_SETTINGS: Settings = {
  replicas: 2,
  hpa: { minReplicas: 2, maxReplicas: 6, cpuUtilization: 70 },
  resources: {
    requests: { cpu: "250m", memory: "256Mi" },
    limits: { cpu: "1", memory: "512Mi" },
  },
  canary: {
    weights: [10, 50],
    analysis: {
      interval: "1m",
      count: 5,
      inconclusiveLimit: 1,
      window: "2m",
      minRequests: 50,
      errorRatio: 0.01,
      p99Seconds: 0.25,
      classShareShift: 0.15,
      valueShift: 0.02,
      alpha: 0.01,
    },
  },
};

function merge(base: Settings, over: PartialSettings | undefined): Settings {
  if (!over) return base;
  return {
    replicas: over.replicas ?? base.replicas,
    hpa: { ...base.hpa, ...over.hpa },
    resources: {
      requests: { ...base.resources.requests, ...over.resources?.requests },
      limits: { ...base.resources.limits, ...over.resources?.limits },
    },
    canary: {
      weights: over.canary?.weights ?? base.canary.weights,
      analysis: { ...base.canary.analysis, ...over.canary?.analysis },
    },
  };
}

/** The spec's deployment hints as settings (the serving bench figures for one pod of the model). */
function specSettings(spec: ModelSpec): PartialSettings {
  const hints = spec.serving.settings.deployment;
  if (!hints) return {};
  return {
    resources: { requests: hints.requests, limits: hints.limits },
    canary: { analysis: { p99Seconds: hints.p99Seconds } },
  };
}

/** Settings for one model in one environment: base ← spec ← config defaults ← model ← model in env. */
export function resolveSettings(config: DeployConfig, spec: ModelSpec, environment: string): Settings {
  const entry = config.models?.[spec.name];
  let settings = merge(BASE_SETTINGS, specSettings(spec));
  settings = merge(settings, config.defaults);
  settings = merge(settings, entry?.settings);
  return merge(settings, entry?.environments?.[environment]);
}
