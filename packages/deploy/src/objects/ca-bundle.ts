import type { IEnvVar, IVolume, IVolumeMount } from "kubernetes-models/v1";
import type { RenderTarget } from "../target.js";

export const CA_BUNDLE_DEFAULTS = {
  key: "ca.pem",
  /** Yandex Cloud's root for managed databases (docs: "Connecting to a Managed Service for ClickHouse"). */
  url: "https://storage.yandexcloud.net/cloud-certs/CA.pem",
} as const;
const CA_DIR = "/etc/lockstep/ca";

/**
 * The environment's extra CA certificates for a pod that reaches ClickHouse or Redis: the
 * ConfigMap mounted read-only and named in NODE_EXTRA_CA_CERTS, which Node.js adds to its default
 * trust (every TLS connection without its own `ca`: the ClickHouse client, the Redis client, S3).
 */
export function caBundle(target: RenderTarget): {
  env: IEnvVar[];
  volumeMounts: IVolumeMount[];
  volumes: IVolume[];
} {
  const bundle = target.config.cluster?.caBundle;
  if (!bundle || !(target.env.monitoring || target.env.cache))
    return { env: [], volumeMounts: [], volumes: [] };
  const key = bundle.key ?? CA_BUNDLE_DEFAULTS.key;
  return {
    env: [{ name: "NODE_EXTRA_CA_CERTS", value: `${CA_DIR}/${key}` }],
    volumeMounts: [{ name: "ca-bundle", mountPath: CA_DIR, readOnly: true }],
    volumes: [{ name: "ca-bundle", configMap: { name: bundle.configMap, items: [{ key, path: key }] } }],
  };
}

/** A pod's volumes and mounts with the CA bundle's added (when the target has one). */
export function withCaBundle(
  target: RenderTarget,
  mounted: { volumeMounts: IVolumeMount[]; volumes: IVolume[] },
): { volumeMounts: IVolumeMount[]; volumes: IVolume[] } {
  const ca = caBundle(target);
  return {
    volumeMounts: [...mounted.volumeMounts, ...ca.volumeMounts],
    volumes: [...mounted.volumes, ...ca.volumes],
  };
}
