/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML is read back untyped, as Argo CD reads it */
// Rendered objects walked through Argo CD's lifecycle (the decisions ported in src/argocd-sync.ts):
// a pin change synced with prune, and an environment's namespace Application deleted.
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import {
  cascades,
  deletedWithApplication,
  renderManifests,
  rootSyncDeadlocks,
  syncStatus,
  syncWithPrune,
  type TrackedObject,
} from "../src/index.js";
import { bumpedPin, committedConfig, committedLock } from "./fixtures.js";

const config = committedConfig();
const objectsOf = (files: Map<string, string>, dir: string): TrackedObject[] =>
  [...files]
    .filter(([path]) => path.startsWith(`${dir}/`) && !path.endsWith("kustomization.yaml"))
    .flatMap(([, text]) => parseAllDocuments(text).map((d) => d.toJSON()))
    .map((o: any) => ({
      ...o,
      metadata: { ...o.metadata, namespace: o.metadata.namespace ?? "lockstep-staging" },
    }));

describe("Argo CD over a pin change", () => {
  const dir = "argocd/envs/staging/co2-forecast";
  const lock = committedLock();
  const before = objectsOf(renderManifests(lock, config).files, dir);
  const bumped = structuredClone(lock);
  const pin = bumped.models["co2-forecast"]!.pins.staging!;
  bumped.models["co2-forecast"]!.pins.staging = bumpedPin(pin);
  const after = objectsOf(renderManifests(bumped, config).files, dir);

  it("keeps the previous pin's ConfigMap (the stable pods mount it) and stays Synced", () => {
    const pins = (objects: TrackedObject[]) =>
      objects
        .filter((o) => o.kind === "ConfigMap" && o.metadata.name.includes("-pin-"))
        .map((o) => o.metadata.name);
    expect(pins(after)).not.toEqual(pins(before));
    const live = syncWithPrune(after, before);
    // the old pin survives the prune: a canary's stable ReplicaSet still mounts it
    expect(pins(live).sort()).toEqual([...pins(before), ...pins(after)].sort());
    // and is not counted against the app: no OutOfSync, no self-heal sync every few minutes
    expect(syncStatus(after, live)).toBe("Synced");
    // a second sync changes nothing
    expect(syncStatus(after, syncWithPrune(after, live))).toBe("Synced");
  });

  it("an extraneous object without IgnoreExtraneous would leave the app OutOfSync (the check can fail)", () => {
    const live = syncWithPrune(after, before).map((o) =>
      o.kind === "ConfigMap"
        ? {
            ...o,
            metadata: { ...o.metadata, annotations: { "argocd.argoproj.io/sync-options": "Prune=false" } },
          }
        : o,
    );
    expect(syncStatus(after, live)).toBe("OutOfSync");
  });
});

describe("deleting an environment's namespace Application", () => {
  const { files } = renderManifests(committedLock(), config);
  for (const environment of Object.keys(config.environments)) {
    it(`${environment}: neither the Application nor a cascade deletes the namespace and its hand-made Secrets`, () => {
      const app = parseAllDocuments(
        files.get(`argocd/bootstrap/application-${environment}-namespace.yaml`)!,
      )[0]!.toJSON();
      expect(cascades(app)).toBe(false);
      const namespace = objectsOf(files, `argocd/envs/${environment}/namespace`).find(
        (o) => o.kind === "Namespace",
      )!;
      expect(namespace.metadata.name).toBe(config.environments[environment]!.namespace);
      expect(deletedWithApplication(namespace)).toBe(false);
    });
  }

  it("a model's Application does cascade: its objects go with it (a model removed from the lock)", () => {
    const appSet = parseAllDocuments(files.get("argocd/bootstrap/applicationset-staging.yaml")!)[0]!.toJSON();
    expect(cascades(appSet.spec.template)).toBe(true);
    for (const object of objectsOf(files, "argocd/envs/staging/co2-forecast")) {
      expect(deletedWithApplication(object)).toBe(true);
    }
  });

  it("the root sync never waits on an Application whose project comes later (the projects are wave -3)", () => {
    const bootstrap = [...files]
      .filter(([path]) => path.startsWith("argocd/bootstrap/") && !path.endsWith("kustomization.yaml"))
      .map(([, text]) => parseAllDocuments(text)[0]!.toJSON());
    expect(rootSyncDeadlocks(bootstrap)).toEqual([]);
    // the check can fail: the projects at the default wave 0, after the namespace Applications (-2)
    const late = bootstrap.map((o: any) =>
      o.kind === "AppProject" ? { ...o, metadata: { ...o.metadata, annotations: {} } } : o,
    );
    expect(rootSyncDeadlocks(late)).toContainEqual(
      expect.stringMatching(
        /^Application staging-namespace \(wave -2\) names project lockstep, created in the later wave 0/,
      ),
    );
  });

  it("the namespace Applications sync in a wave before the ApplicationSets that create the models' Applications", () => {
    const wave = (path: string) =>
      Number(
        parseAllDocuments(files.get(path)!)[0]!.toJSON().metadata.annotations?.[
          "argocd.argoproj.io/sync-wave"
        ] ?? 0,
      );
    for (const environment of Object.keys(config.environments))
      expect(wave(`argocd/bootstrap/application-${environment}-namespace.yaml`)).toBeLessThan(
        wave(`argocd/bootstrap/applicationset-${environment}.yaml`),
      );
  });
});
