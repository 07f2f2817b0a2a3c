import { createHash } from "node:crypto";
import { LOCKFILE_VERSION, serializeLock, type LockFile } from "@lockstep/lockfile";
import { ConfigMap } from "kubernetes-models/v1";
import { parseStoreUri } from "@lockstep/store";
import { commonLabels, names, waveAnnotation, WAVE, type RenderTarget } from "../target.js";

export const PIN_FILE = "models.lock.json";

/** Where the pods of an environment whose store is `storeUri` read the artifact `sha256`. */
export function deployedArtifactUri(storeUri: string, sha256: string): string {
  const base = parseStoreUri(storeUri, "/").uri.replace(/\/+$/, "");
  return `${base}/sha256/${sha256}`;
}

/**
 * The lock a pod serves: this model's pin in this environment alone, its URI pointing into the
 * environment's store (the artifact is named by its sha256 in every store, so identity is unchanged).
 */
export function podLock(target: RenderTarget): LockFile {
  return {
    lockfileVersion: LOCKFILE_VERSION,
    models: {
      [target.model]: {
        gate: target.gate,
        pins: {
          [target.environment]: {
            ...target.pin,
            uri: deployedArtifactUri(target.env.store.uri, target.pin.sha256),
          },
        },
      },
    },
  };
}

/** The pin as a content-named ConfigMap: a new pin is a new name, so the pod template changes and rolls. */
export function pinConfigMap(target: RenderTarget): ConfigMap {
  const lock = podLock(target);
  const text = serializeLock(lock);
  const hash = createHash("sha256").update(text).digest("hex").slice(0, 10);
  return new ConfigMap({
    metadata: {
      name: names.pinConfigMap(target.model, hash),
      labels: { ...commonLabels(target), "lockstep.dev/pin": target.pin.sha256.slice(0, 63) },
      annotations: {
        ...waveAnnotation(WAVE.config),
        // pods of the stable ReplicaSet still mount the previous pin while a canary runs: never
        // pruned, and not counted as OutOfSync once the lock moves on (controller/state.go:780-784)
        "argocd.argoproj.io/sync-options": "Prune=false",
        "argocd.argoproj.io/compare-options": "IgnoreExtraneous",
        "lockstep.dev/sha256": target.pin.sha256,
        "lockstep.dev/version": target.pin.version,
      },
    },
    immutable: true,
    data: { [PIN_FILE]: text },
  });
}
