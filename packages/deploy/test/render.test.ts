/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML is read back untyped, as a reviewer reads it */
import { describe, expect, it } from "vitest";
import { bumpPin, type LockFile } from "@lockstep/lockfile";
import { parse } from "yaml";
import { parseManifests, renderManifests, validateDeployConfig, type Manifest } from "../src/index.js";
import { models } from "@lockstep/models";
import { bumpedPin, committedConfig, committedLock, configWith } from "./fixtures.js";

function changedPaths(before: Map<string, string>, after: Map<string, string>): string[] {
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths].filter((p) => before.get(p) !== after.get(p)).sort();
}

function objectAt(files: Map<string, string>, path: string): Manifest {
  return parse(files.get(path)!) as Manifest;
}

describe("lockstep render", () => {
  const lock = committedLock();
  const config = committedConfig();

  it("is deterministic: the same lock and config give byte-identical files", () => {
    const a = renderManifests(lock, config).files;
    const b = renderManifests(structuredClone(lock), structuredClone(config)).files;
    expect([...a.keys()]).toEqual([...b.keys()]);
    expect(changedPaths(a, b)).toEqual([]);
  });

  it("a co2-forecast bump in staging changes only co2-forecast's staging files, and its pod template", () => {
    const before = renderManifests(lock, config).files;
    const pin = lock.models["co2-forecast"]!.pins.staging!;
    const bumped: LockFile = bumpPin(lock, "co2-forecast", "staging", bumpedPin(pin));
    const after = renderManifests(bumped, config).files;
    const changed = changedPaths(before, after);
    expect(changed.length).toBeGreaterThan(0);
    // the content-named ConfigMap is replaced, so the Rollout's pod template changes and its pods
    // roll, and the monitor job reads the new pin; the pull request's preview shows it too
    expect(changed).toEqual([
      "argocd/envs/staging/co2-forecast/configmap-pin.yaml",
      "argocd/envs/staging/co2-forecast/cronjob-monitor.yaml",
      "argocd/envs/staging/co2-forecast/rollout.yaml",
      "argocd/previews/co2-forecast/configmap-pin.yaml",
      "argocd/previews/co2-forecast/rollout.yaml",
    ]);
    const monitorPin = (files: Map<string, string>) =>
      (objectAt(files, "argocd/envs/staging/co2-forecast/cronjob-monitor.yaml").spec as any).jobTemplate.spec
        .template.spec.volumes[0].configMap.name;
    expect(monitorPin(after)).toBe(
      objectAt(after, "argocd/envs/staging/co2-forecast/configmap-pin.yaml").metadata.name,
    );
    const template = (files: Map<string, string>) =>
      (objectAt(files, "argocd/envs/staging/co2-forecast/rollout.yaml").spec as any).template;
    const old = template(before);
    const next = template(after);
    expect(next.metadata.annotations["lockstep.dev/sha256"]).toBe("ab".repeat(32));
    expect(old.metadata.annotations["lockstep.dev/sha256"]).toBe(pin.sha256);
    expect(next.spec.volumes[0].configMap.name).not.toBe(old.spec.volumes[0].configMap.name);
    const cm = objectAt(after, "argocd/envs/staging/co2-forecast/configmap-pin.yaml");
    expect(next.spec.volumes[0].configMap.name).toBe(cm.metadata.name);
  });

  it("serves the pin from the environment's store, by the same sha256 and size", () => {
    const files = renderManifests(lock, config).files;
    const cm = objectAt(files, "argocd/envs/staging/fish-classifier/configmap-pin.yaml") as any;
    const served = JSON.parse(cm.data["models.lock.json"]);
    const pin = lock.models["fish-classifier"]!.pins.staging!;
    expect(Object.keys(served.models)).toEqual(["fish-classifier"]);
    expect(served.models["fish-classifier"].pins.staging).toEqual({
      ...pin,
      uri: `s3://lockstep-artifacts/models/sha256/${pin.sha256}`,
    });
    expect(cm.immutable).toBe(true);
  });

  it("renders a model's folder in production only once production pins it", () => {
    const files = renderManifests(lock, config).files;
    expect([...files.keys()].some((p) => p.startsWith("argocd/envs/production/co2-forecast/"))).toBe(false);
    const promoted = bumpPin(lock, "co2-forecast", "production", lock.models["co2-forecast"]!.pins.staging!);
    const after = renderManifests(promoted, config).files;
    const changed = changedPaths(files, after);
    expect(changed.filter((p) => !p.startsWith("argocd/envs/production/co2-forecast/"))).toEqual([
      "argocd/bootstrap/applicationset-production.yaml",
    ]);
    const rollout = objectAt(after, "argocd/envs/production/co2-forecast/rollout.yaml") as any;
    expect(rollout.spec.template.spec.containers[0].env).toContainEqual({
      name: "LOCKSTEP_ENV",
      value: "production",
    });
  });

  it("refuses a lock that pins a model Lockstep does not know", () => {
    const stranger = structuredClone(lock);
    stranger.models["mystery"] = structuredClone(lock.models["co2-forecast"]!);
    expect(() => renderManifests(stranger, config)).toThrow(/pins "mystery", which is not a known model/);
  });

  it("takes settings from the spec, then the config's defaults, model and environment", () => {
    const files = renderManifests(lock, config).files;
    const hpa = (m: string) => objectAt(files, `argocd/envs/staging/${m}/hpa.yaml`).spec as any;
    const container = (m: string) =>
      (objectAt(files, `argocd/envs/staging/${m}/rollout.yaml`).spec as any).template.spec.containers[0];
    expect(hpa("fish-classifier")).toMatchObject({ minReplicas: 1, maxReplicas: 3 });
    expect(hpa("co2-forecast")).toMatchObject({ minReplicas: 2, maxReplicas: 6 });
    // the in-flight metric only where the config says the cluster runs the Prometheus adapter
    expect(hpa("co2-forecast").metrics.map((m: any) => m.type)).toEqual(["Resource", "Pods"]);
    expect(container("fish-classifier").resources.requests).toEqual({ cpu: "1", memory: "512Mi" });
    expect(container("co2-forecast").resources.requests).toEqual({ cpu: "250m", memory: "256Mi" });
    const noAdapter = validateDeployConfig(
      configWith((c) => (c.cluster.prometheusAdapter = false)),
      Object.keys(models),
    );
    const plain = objectAt(
      renderManifests(lock, noAdapter).files,
      "argocd/envs/staging/co2-forecast/hpa.yaml",
    ).spec as any;
    expect(plain.metrics.map((m: any) => m.type)).toEqual(["Resource"]);
  });

  it("every rendered object validates with its model package", () => {
    const files = renderManifests(lock, config).files;
    const kinds = new Set<string>();
    for (const [path, text] of files) for (const object of parseManifests(text, path)) kinds.add(object.kind);
    expect([...kinds].sort()).toEqual([
      "AnalysisTemplate",
      "AppProject",
      "Application",
      "ApplicationSet",
      "ConfigMap",
      "CronJob",
      "Deployment",
      "HorizontalPodAutoscaler",
      "Ingress",
      "Namespace",
      "NetworkPolicy",
      "PodDisruptionBudget",
      "PodMonitor",
      "PrometheusRule",
      "Rollout",
      "Service",
      "ServiceAccount",
    ]);
  });

  it("the validation it relies on does reject a wrong object", () => {
    const files = renderManifests(lock, config).files;
    const path = "argocd/envs/staging/co2-forecast/pdb.yaml";
    const broken = files.get(path)!.replace("maxUnavailable: 1", "maxUnavailable: [1]");
    expect(() => parseManifests(broken, path)).toThrow(/pdb\.yaml/);
    expect(() => parseManifests("apiVersion: v9\nkind: Gadget\nmetadata: {name: x}\n", "x.yaml")).toThrow(
      /no model validates v9 Gadget/,
    );
  });
});
