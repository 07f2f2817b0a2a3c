import { createHash } from "node:crypto";
import { CronJob } from "kubernetes-models/batch/v1";
import type { ConfigMap, IEnvVar } from "kubernetes-models/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import type { MonitoringConfig } from "../config.js";
import { MANAGED_BY, names, PART_OF, waveAnnotation, WAVE, type RenderTarget } from "../target.js";
import { caBundle, withCaBundle } from "./ca-bundle.js";
import { CONTAINER_SECURITY, pinEnvironment, pinVolumes, POD_SECURITY } from "./pod-security.js";

export const MONITOR_DEFAULTS = {
  schedule: "17 */6 * * *",
  window: "6h",
  clickhouseSecretKey: "url",
  clickhousePort: 8443,
  storeSecret: "lockstep-monitor-store",
} as const;
/** The longest name a CronJob may have (its Jobs get an 11-character suffix). */
const MAX_CRONJOB_NAME = 52;
const OUT_DIR = "/tmp/monitor";

/** `<model>-monitor`, or a shortened model name and a hash when that is over 52 characters. */
export function monitorName(model: string): string {
  const name = `${model}-monitor`;
  if (name.length <= MAX_CRONJOB_NAME) return name;
  const hash = createHash("sha256").update(model).digest("hex").slice(0, 6);
  return `${model.slice(0, MAX_CRONJOB_NAME - "--monitor".length - hash.length)}-${hash}-monitor`;
}

/** The monitor pods' labels: never the Rollout's selector labels, so no Service, PDB or PodMonitor counts them. */
export function monitorLabels(target: Pick<RenderTarget, "model" | "environment">): Record<string, string> {
  return {
    "app.kubernetes.io/name": "lockstep-monitor",
    "app.kubernetes.io/instance": `${target.model}-${target.environment}`,
    "app.kubernetes.io/component": "monitor",
    "app.kubernetes.io/part-of": PART_OF,
    "app.kubernetes.io/managed-by": MANAGED_BY,
    "lockstep.dev/environment": target.environment,
    "lockstep.dev/model": target.model,
  };
}

/** The ClickHouse URL from its Secret: the pods' log sink and the monitor's source. */
export function clickhouseUrlVar(monitoring: MonitoringConfig): IEnvVar {
  return {
    name: "LOCKSTEP_CLICKHOUSE_URL",
    valueFrom: {
      secretKeyRef: {
        name: monitoring.clickhouseSecret,
        key: monitoring.clickhouseSecretKey ?? MONITOR_DEFAULTS.clickhouseSecretKey,
      },
    },
  };
}

/** The Secret the monitor Jobs publish reports with. */
export const monitorStoreSecret = (monitoring: MonitoringConfig) =>
  monitoring.storeSecret ?? MONITOR_DEFAULTS.storeSecret;

/**
 * `lockstep monitor` on a schedule, in the inference image, over the environment's ClickHouse log:
 * the report goes to the store (reports/monitor/<model>/<env>/). Exit 1 (drift) and 2 (bad input)
 * fail the Job at once; only infrastructure failures are retried.
 */
export function monitorCronJob(target: RenderTarget, monitoring: MonitoringConfig, pin: ConfigMap): CronJob {
  const { store } = target.env;
  const image = `${target.config.image.repository}@${target.config.image.digest}`;
  const env: IEnvVar[] = [...pinEnvironment(target), clickhouseUrlVar(monitoring), ...caBundle(target).env];
  const mounted = withCaBundle(target, pinVolumes(pin, "1Gi"));
  return new CronJob({
    metadata: {
      name: monitorName(target.model),
      labels: monitorLabels(target),
      annotations: waveAnnotation(WAVE.routing),
    },
    spec: {
      schedule: monitoring.schedule ?? MONITOR_DEFAULTS.schedule,
      timeZone: "Etc/UTC",
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: 600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels: monitorLabels(target) },
        spec: {
          backoffLimit: 2,
          activeDeadlineSeconds: 3600,
          ttlSecondsAfterFinished: 7 * 86_400,
          podFailurePolicy: {
            rules: [
              {
                action: "FailJob",
                onExitCodes: { containerName: "monitor", operator: "In", values: [1, 2] },
              },
            ],
          },
          template: {
            metadata: { labels: monitorLabels(target) },
            spec: {
              restartPolicy: "Never",
              serviceAccountName: names.stable(target.model),
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              securityContext: POD_SECURITY,
              containers: [
                {
                  name: "monitor",
                  image,
                  imagePullPolicy: "IfNotPresent",
                  command: ["node", "dist/lockstep.mjs"],
                  args: [
                    "monitor",
                    target.model,
                    "--env",
                    target.environment,
                    "--since",
                    monitoring.window ?? MONITOR_DEFAULTS.window,
                    "--out",
                    OUT_DIR,
                    "--store",
                    store.uri,
                    // an hour without traffic is no failure of the Job
                    "--allow-empty",
                    // with a replay sample, its window goes to the store for pull requests' shadow replay
                    ...(monitoring.replay ? ["--replay-export"] : []),
                  ],
                  env,
                  // its own key: it writes reports, which the pods' read-only key cannot
                  ...(store.secretName
                    ? { envFrom: [{ secretRef: { name: monitorStoreSecret(monitoring) } }] }
                    : {}),
                  resources: {
                    requests: { cpu: "100m", memory: "256Mi" },
                    limits: { cpu: "1", memory: "1Gi" },
                  },
                  securityContext: CONTAINER_SECURITY,
                  volumeMounts: mounted.volumeMounts,
                },
              ],
              volumes: mounted.volumes,
            },
          },
        },
      },
    },
  });
}

/** The monitor pods take no traffic; they reach DNS, the store and ClickHouse. */
export function monitorNetworkPolicy(target: RenderTarget, monitoring: MonitoringConfig): NetworkPolicy {
  const outside = { ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } };
  const ports = [...new Set([443, monitoring.clickhousePort ?? MONITOR_DEFAULTS.clickhousePort])];
  return new NetworkPolicy({
    metadata: {
      name: monitorName(target.model),
      labels: monitorLabels(target),
      annotations: waveAnnotation(WAVE.config),
    },
    spec: {
      podSelector: { matchLabels: monitorLabels(target) },
      policyTypes: ["Ingress", "Egress"],
      ingress: [],
      egress: [
        {
          to: [{ namespaceSelector: {}, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
          ports: [
            { port: 53, protocol: "UDP" },
            { port: 53, protocol: "TCP" },
          ],
        },
        { to: [outside], ports: ports.map((port) => ({ port, protocol: "TCP" })) },
      ],
    },
  });
}
