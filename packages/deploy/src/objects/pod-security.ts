import type { ConfigMap, IEnvVar, IPodSecurityContext, ISecurityContext } from "kubernetes-models/v1";
import type { RenderTarget } from "../target.js";
import { PIN_FILE } from "./pin-config.js";

export const CONFIG_DIR = "/config";
export const CACHE_DIR = "/var/cache/lockstep";

/** Every Lockstep pod: non-root, RuntimeDefault seccomp (the namespace enforces `restricted`). */
export const POD_SECURITY: IPodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: 1000,
  runAsGroup: 1000,
  fsGroup: 1000,
  seccompProfile: { type: "RuntimeDefault" },
};

/** Every Lockstep container: nothing written outside its volumes, no privilege, no capabilities. */
export const CONTAINER_SECURITY: ISecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  privileged: false,
  capabilities: { drop: ["ALL"] },
};

/** The pin's lock read-only, the verified artifact cache and /tmp: what the read-only root leaves writable. */
export function pinVolumes(pin: ConfigMap, tmpSize: string) {
  return {
    volumeMounts: [
      { name: "pin", mountPath: CONFIG_DIR, readOnly: true },
      { name: "cache", mountPath: CACHE_DIR },
      { name: "tmp", mountPath: "/tmp" },
    ],
    volumes: [
      { name: "pin", configMap: { name: pin.metadata!.name! } },
      { name: "cache", emptyDir: { sizeLimit: "2Gi" } },
      { name: "tmp", emptyDir: { sizeLimit: tmpSize } },
    ],
  };
}

/** The pin, the environment and the store, as every pod of a model reads them. */
export function pinEnvironment(target: RenderTarget): IEnvVar[] {
  const { store } = target.env;
  return [
    { name: "LOCKSTEP_LOCK", value: `${CONFIG_DIR}/${PIN_FILE}` },
    { name: "LOCKSTEP_ENV", value: target.environment },
    { name: "LOCKSTEP_CACHE_DIR", value: CACHE_DIR },
    ...(store.endpoint ? [{ name: "AWS_ENDPOINT_URL_S3", value: store.endpoint }] : []),
    ...(store.region ? [{ name: "AWS_REGION", value: store.region }] : []),
  ];
}

/** The store's credentials Secret, when the environment names one. */
export const storeSecret = (target: RenderTarget) =>
  target.env.store.secretName ? { envFrom: [{ secretRef: { name: target.env.store.secretName } }] } : {};
