import type { Gate, Pin } from "@lockstep/lockfile";
import type { ModelSpec } from "@lockstep/models";
import type { DeployConfig, EnvironmentConfig, Settings } from "./config.js";

/** One model in one environment: everything its objects are rendered from. */
export interface RenderTarget {
  model: string;
  environment: string;
  spec: ModelSpec;
  pin: Pin;
  gate: Gate;
  settings: Settings;
  config: DeployConfig;
  env: EnvironmentConfig;
}

export const PART_OF = "lockstep";
export const MANAGED_BY = "lockstep-render";
export const CONTAINER_PORT = 8080;

/** The labels a model's pods are selected by (stable across pins, so a pin change rolls, never re-selects). */
export function selectorLabels(target: Pick<RenderTarget, "model" | "environment">): Record<string, string> {
  return {
    "app.kubernetes.io/name": target.model,
    "app.kubernetes.io/instance": `${target.model}-${target.environment}`,
  };
}

export function commonLabels(target: Pick<RenderTarget, "model" | "environment">): Record<string, string> {
  return {
    ...selectorLabels(target),
    "app.kubernetes.io/component": "inference",
    "app.kubernetes.io/part-of": PART_OF,
    "app.kubernetes.io/managed-by": MANAGED_BY,
    "lockstep.dev/environment": target.environment,
    "lockstep.dev/model": target.model,
  };
}

/**
 * Argo CD applies lower waves first: the projects before the Applications that name them, config
 * before workloads, routes and monitors after.
 */
export const WAVE = { project: "-3", namespace: "-2", config: "-1", workload: "0", routing: "1" } as const;

export function waveAnnotation(wave: string): Record<string, string> {
  return { "argocd.argoproj.io/sync-wave": wave };
}

export const names = {
  stable: (model: string) => model,
  canary: (model: string) => `${model}-canary`,
  analysis: (model: string) => `${model}-canary`,
  pinConfigMap: (model: string, contentHash: string) => `${model}-pin-${contentHash}`,
};

/** Longest model name whose derived object names stay DNS-1123 labels (`<model>-pin-<10 hex>`). */
export const MAX_MODEL_NAME = 63 - "-pin-".length - 10;
