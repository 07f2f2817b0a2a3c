import { redisPort } from "./cache.js";
import { MONITOR_DEFAULTS } from "./monitor-job.js";
import { Service, ServiceAccount } from "kubernetes-models/v1";
import { Ingress, NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import {
  commonLabels,
  CONTAINER_PORT,
  names,
  selectorLabels,
  waveAnnotation,
  WAVE,
  type RenderTarget,
} from "../target.js";

export const DEFAULT_INGRESS_NAMESPACE = "ingress-nginx";
export const DEFAULT_PROMETHEUS_NAMESPACE = "monitoring";

/** Stable and canary Services: Argo Rollouts points each at its ReplicaSet by pod-template hash. */
export function services(target: RenderTarget): Service[] {
  return [names.stable(target.model), names.canary(target.model)].map(
    (name) =>
      new Service({
        metadata: { name, labels: commonLabels(target), annotations: waveAnnotation(WAVE.config) },
        spec: {
          type: "ClusterIP",
          selector: selectorLabels(target),
          ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
        },
      }),
  );
}

/** Its own identity, with no API token mounted; annotations are for workload identity. */
export function serviceAccount(target: RenderTarget): ServiceAccount {
  const annotations = target.env.store.serviceAccountAnnotations ?? {};
  return new ServiceAccount({
    metadata: {
      name: names.stable(target.model),
      labels: commonLabels(target),
      annotations: { ...waveAnnotation(WAVE.config), ...annotations },
    },
    automountServiceAccountToken: false,
  });
}

/** `/v1/models/<m>` and `/v2/models/<m>` on the environment's host go to this model's stable Service. */
export function ingress(target: RenderTarget): Ingress {
  const backend = { service: { name: names.stable(target.model), port: { name: "http" } } };
  const { host, tlsSecretName, tlsDefaultCertificate } = target.env;
  const tls = tlsSecretName
    ? [{ hosts: [host], secretName: tlsSecretName }]
    : tlsDefaultCertificate
      ? [{ hosts: [host] }]
      : undefined;
  return new Ingress({
    metadata: {
      name: names.stable(target.model),
      labels: commonLabels(target),
      // before the Rollout: its nginx traffic routing needs the stable Ingress to exist
      annotations: waveAnnotation(WAVE.config),
    },
    spec: {
      ingressClassName: target.config.cluster?.ingressClassName ?? "nginx",
      ...(tls ? { tls } : {}),
      rules: [
        {
          host,
          http: {
            paths: ["v1", "v2"].map((api) => ({
              path: `/${api}/models/${target.model}`,
              pathType: "Prefix",
              backend,
            })),
          },
        },
      ],
    },
  });
}

/** HTTPS for the store, ClickHouse's port when predictions are logged there, Redis's with a cache. */
function egressPorts(target: RenderTarget): number[] {
  const { monitoring, cache } = target.env;
  return [
    ...new Set([
      443,
      ...(monitoring ? [monitoring.clickhousePort ?? MONITOR_DEFAULTS.clickhousePort] : []),
      ...(cache ? [redisPort(cache)] : []),
    ]),
  ];
}

/** Only the ingress controller and Prometheus reach the pods; they reach DNS, the store, ClickHouse and Redis. */
export function networkPolicy(target: RenderTarget): NetworkPolicy {
  const cluster = target.config.cluster ?? {};
  const from = (namespace: string) => ({
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
  });
  return new NetworkPolicy({
    metadata: {
      name: names.stable(target.model),
      labels: commonLabels(target),
      annotations: waveAnnotation(WAVE.config),
    },
    spec: {
      podSelector: { matchLabels: selectorLabels(target) },
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        {
          from: [
            from(cluster.ingressNamespace ?? DEFAULT_INGRESS_NAMESPACE),
            from(cluster.prometheusNamespace ?? DEFAULT_PROMETHEUS_NAMESPACE),
          ],
          ports: [{ port: CONTAINER_PORT, protocol: "TCP" }],
        },
      ],
      egress: [
        {
          to: [{ namespaceSelector: {}, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
          ports: [
            { port: 53, protocol: "UDP" },
            { port: 53, protocol: "TCP" },
          ],
        },
        {
          // the object store is outside the cluster; the cloud's metadata endpoint is not needed
          to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } }],
          ports: egressPorts(target).map((port) => ({ port, protocol: "TCP" })),
        },
      ],
    },
  });
}
