import { Rollout } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1";
import type { IEnvVar } from "kubernetes-models/v1";
import type { ConfigMap } from "kubernetes-models/v1";
import { heapOption, parseMemoryQuantity } from "@lockstep/models";
import { quantityValue } from "../names.js";
import { redisUrlVar } from "./cache.js";
import { caBundle, withCaBundle } from "./ca-bundle.js";
import { clickhouseUrlVar } from "./monitor-job.js";
import { REVERT_SUBSCRIPTION } from "./notifications.js";
import { CONTAINER_SECURITY, pinEnvironment, pinVolumes, POD_SECURITY, storeSecret } from "./pod-security.js";
import {
  commonLabels,
  CONTAINER_PORT,
  names,
  selectorLabels,
  waveAnnotation,
  WAVE,
  type RenderTarget,
} from "../target.js";

function environmentVariables(target: RenderTarget): IEnvVar[] {
  const vars: IEnvVar[] = [
    { name: "PORT", value: String(CONTAINER_PORT) },
    ...pinEnvironment(target),
    // the pin is immutable for the pod's life: a new pin is a new pod, never a reload
    { name: "LOCKSTEP_WATCH_LOCK_MS", value: "0" },
    // the load balancer stops sending before the server stops accepting
    { name: "LOCKSTEP_DRAIN_DELAY_MS", value: "5000" },
  ];
  const monitoring = target.env.monitoring;
  if (monitoring) {
    // the image logs nothing by default (read-only root): with monitoring, every prediction goes to ClickHouse
    vars.push({ name: "LOCKSTEP_PREDICTION_LOG", value: "clickhouse" }, clickhouseUrlVar(monitoring));
    if (monitoring.sample !== undefined)
      vars.push({ name: "LOCKSTEP_PREDICTION_LOG_SAMPLE", value: String(monitoring.sample) });
    // the replay sample goes where the log goes; only what the config sets is rendered
    const replay = monitoring.replay ?? {};
    const replayVars: [string, number | boolean | undefined][] = [
      ["LOCKSTEP_REPLAY_SAMPLE", replay.sample],
      ["LOCKSTEP_REPLAY_MAX_PER_DAY", replay.maxPerDay],
      ["LOCKSTEP_REPLAY_MAX_BODY_BYTES", replay.maxBodyBytes],
      ["LOCKSTEP_REPLAY_IMAGES", replay.images],
      ["LOCKSTEP_REPLAY_RETENTION_DAYS", replay.retentionDays],
    ];
    for (const [name, value] of replayVars)
      if (value !== undefined)
        vars.push({ name, value: typeof value === "boolean" ? (value ? "on" : "off") : String(value) });
  }
  if (target.env.cache) vars.push(redisUrlVar(target.env.cache));
  vars.push(...caBundle(target).env, ...memoryBudgetVariables(target.settings.resources.limits.memory));
  return vars;
}

/**
 * The server's memory budget is the container's memory limit, and V8's old space is sized from it
 * by the same function the server plans with (heapOption), so no request mix, cache or heap can take
 * the pod past its limit. The quantity is passed as written when the server reads that form.
 */
export function memoryBudgetVariables(limit: string): IEnvVar[] {
  const bytes = Math.floor(quantityValue(limit)!);
  const budget = parseMemoryQuantity(limit) === bytes ? limit : String(bytes);
  return [
    { name: "LOCKSTEP_MEMORY_BUDGET", value: budget },
    { name: "NODE_OPTIONS", value: heapOption(bytes) },
  ];
}

/** Canary steps: each weight, then the analysis; a failed analysis aborts the rollout. */
function canarySteps(target: RenderTarget) {
  const analysis = {
    templates: [{ templateName: names.analysis(target.model) }],
    args: [
      { name: "canary-hash", valueFrom: { podTemplateHashValue: "Latest" } },
      { name: "stable-hash", valueFrom: { podTemplateHashValue: "Stable" } },
      { name: "namespace", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
    ],
  };
  return target.settings.canary.weights.flatMap((weight) => [{ setWeight: weight }, { analysis }]);
}

/** The canary a pin change rolls through: each weight, analysed, behind the environment's Services. */
function canaryStrategy(target: RenderTarget) {
  const nginx = (target.config.cluster?.trafficRouting ?? "nginx") === "nginx";
  return {
    canaryService: names.canary(target.model),
    stableService: names.stable(target.model),
    ...(nginx ? { trafficRouting: { nginx: { stableIngress: names.stable(target.model) } } } : {}),
    abortScaleDownDelaySeconds: 30,
    steps: canarySteps(target),
  };
}

/**
 * The model's workload: an Argo Rollouts canary whose pod template names the pin. A preview
 * (`analysed: false`) has no canary steps: its one pod is replaced at once.
 */
export function rollout(target: RenderTarget, pin: ConfigMap, options: { analysed?: boolean } = {}): Rollout {
  const { settings, config } = target;
  const image = `${config.image.repository}@${config.image.digest}`;
  const mounted = withCaBundle(target, pinVolumes(pin, "256Mi"));
  const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path, port: "http" },
    periodSeconds,
    timeoutSeconds: 2,
    failureThreshold,
  });
  return new Rollout({
    metadata: {
      name: names.stable(target.model),
      labels: commonLabels(target),
      annotations: {
        ...waveAnnotation(WAVE.workload),
        // an aborted canary dispatches revert.yml (a preview has no canary to abort)
        ...(options.analysed === false ? {} : { [REVERT_SUBSCRIPTION]: "" }),
      },
    },
    spec: {
      // the HPA owns the replica count; this is the count before it first acts
      replicas: settings.hpa.minReplicas,
      revisionHistoryLimit: 3,
      selector: { matchLabels: selectorLabels(target) },
      template: {
        metadata: {
          labels: commonLabels(target),
          annotations: {
            "lockstep.dev/sha256": target.pin.sha256,
            "lockstep.dev/version": target.pin.version,
          },
        },
        spec: {
          serviceAccountName: names.stable(target.model),
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 30,
          securityContext: POD_SECURITY,
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: "kubernetes.io/hostname",
              whenUnsatisfiable: "ScheduleAnyway",
              labelSelector: { matchLabels: selectorLabels(target) },
            },
          ],
          containers: [
            {
              name: "inference",
              image,
              imagePullPolicy: "IfNotPresent",
              ports: [{ name: "http", containerPort: CONTAINER_PORT, protocol: "TCP" }],
              env: environmentVariables(target),
              ...storeSecret(target),
              resources: {
                requests: { ...settings.resources.requests },
                limits: { ...settings.resources.limits },
              },
              securityContext: CONTAINER_SECURITY,
              // the artifact is fetched and verified before /readyz answers: give it time to start
              startupProbe: probe("/healthz", 2, 90),
              readinessProbe: probe("/readyz", 5, 2),
              livenessProbe: probe("/healthz", 10, 3),
              volumeMounts: mounted.volumeMounts,
            },
          ],
          volumes: mounted.volumes,
        },
      },
      strategy: { canary: options.analysed === false ? { steps: [] } : canaryStrategy(target) },
    },
  });
}
