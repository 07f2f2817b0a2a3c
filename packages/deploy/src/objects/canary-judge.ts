import type { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { Service } from "kubernetes-models/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import type { DeployConfig, EnvironmentConfig } from "../config.js";
import { MANAGED_BY, PART_OF, waveAnnotation, WAVE } from "../target.js";
import { alertsObject, type AlertRule } from "./alerts.js";
import { argocdNamespace } from "./argocd.js";
import { DEFAULT_PROMETHEUS } from "./analysis.js";
import { DEFAULT_PROMETHEUS_NAMESPACE } from "./network.js";
import { CONTAINER_SECURITY, POD_SECURITY } from "./pod-security.js";

/*
 * The canary judge in each environment's namespace: `lockstep canary-judge` in the inference image,
 * one small pod behind a Service the AnalysisTemplates' web metrics call. It sits beside the pods it
 * judges because the AnalysisRun names their namespace and hashes, and it needs only Prometheus: no
 * store, no model, no Secret. A judge of its own, not a route on the stable pods, so a canary's new
 * code never judges itself and the inference pods take no traffic from Argo Rollouts.
 */

export const JUDGE_NAME = "lockstep-canary-judge";
const JUDGE_PORT = 8080;

/** The judge's base URL in an environment: the rendered one, or `cluster.canaryJudge`; none when off. */
export function judgeUrl(config: DeployConfig, env: EnvironmentConfig): string | undefined {
  const judge = config.cluster?.canaryJudge;
  if (judge === false) return undefined;
  return judge ?? `http://${JUDGE_NAME}.${env.namespace}.svc:${JUDGE_PORT}`;
}

/** Whether render writes the judge's own objects (not when a URL names another judge, or it is off). */
export const rendersJudge = (config: DeployConfig) => config.cluster?.canaryJudge === undefined;

function labels(environment: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": JUDGE_NAME,
    "app.kubernetes.io/component": "canary-judge",
    "app.kubernetes.io/part-of": PART_OF,
    "app.kubernetes.io/managed-by": MANAGED_BY,
    "lockstep.dev/environment": environment,
  };
}
const selector = { "app.kubernetes.io/name": JUDGE_NAME };

export function judgeDeployment(config: DeployConfig, environment: string): Deployment {
  const prometheus = config.cluster?.prometheusAddress ?? DEFAULT_PROMETHEUS;
  return new Deployment({
    metadata: { name: JUDGE_NAME, labels: labels(environment), annotations: waveAnnotation(WAVE.workload) },
    spec: {
      replicas: 1,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: labels(environment) },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: POD_SECURITY,
          containers: [
            {
              name: "judge",
              image: `${config.image.repository}@${config.image.digest}`,
              imagePullPolicy: "IfNotPresent",
              command: ["node", "dist/lockstep.mjs"],
              args: ["canary-judge", "--prometheus", prometheus, "--port", String(JUDGE_PORT)],
              ports: [{ name: "http", containerPort: JUDGE_PORT, protocol: "TCP" }],
              readinessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 10 },
              livenessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 20 },
              resources: {
                requests: { cpu: "50m", memory: "64Mi" },
                limits: { cpu: "500m", memory: "256Mi" },
              },
              securityContext: CONTAINER_SECURITY,
            },
          ],
        },
      },
    },
  });
}

export function judgeService(environment: string): Service {
  return new Service({
    metadata: { name: JUDGE_NAME, labels: labels(environment), annotations: waveAnnotation(WAVE.config) },
    spec: {
      type: "ClusterIP",
      selector,
      ports: [{ name: "http", port: JUDGE_PORT, targetPort: "http", protocol: "TCP" }],
    },
  });
}

/** Only Argo Rollouts (in Argo CD's namespace) reaches the judge; it reaches DNS and Prometheus alone. */
export function judgeNetworkPolicy(config: DeployConfig, environment: string): NetworkPolicy {
  const prometheus = new URL(config.cluster?.prometheusAddress ?? DEFAULT_PROMETHEUS);
  const prometheusPort = Number(prometheus.port || (prometheus.protocol === "https:" ? 443 : 80));
  const namespace = (name: string) => ({
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } },
  });
  return new NetworkPolicy({
    metadata: { name: JUDGE_NAME, labels: labels(environment), annotations: waveAnnotation(WAVE.config) },
    spec: {
      podSelector: { matchLabels: selector },
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        { from: [namespace(argocdNamespace(config))], ports: [{ port: JUDGE_PORT, protocol: "TCP" }] },
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
          to: [namespace(config.cluster?.prometheusNamespace ?? DEFAULT_PROMETHEUS_NAMESPACE)],
          ports: [{ port: prometheusPort, protocol: "TCP" }],
        },
      ],
    },
  });
}

/**
 * The judge has no available pod (kube-state-metrics' Deployment series): every canary analysis
 * that calls it errors, and Argo Rollouts aborts a canary after `consecutiveErrorLimit` errors.
 */
export function judgeAlertRule(namespace: string, environment: string): AlertRule {
  const series = `kube_deployment_status_replicas_available{namespace="${namespace}",deployment="${JUDGE_NAME}"}`;
  return {
    alert: "LockstepCanaryJudgeUnavailable",
    // no such series at all (no Deployment, no kube-state-metrics) counts as none available
    expr: `(max(${series}) or vector(0)) < 1`,
    for: "10m",
    severity: "warning",
    summary: `The canary judge in ${environment} has no available pod`,
    description:
      "For 10 minutes no pod of the canary judge has been available: a canary analysis started now errors on its class-share and value-shift checks, and Argo Rollouts aborts the canary.",
    runbook: "lockstep-canary-judge-unavailable",
  };
}

/** The judge's alert, rendered beside the judge in its environment's namespace folder. */
export function judgePrometheusRule(config: DeployConfig, environment: string): PrometheusRule {
  const env = config.environments[environment]!;
  return alertsObject(config, {
    name: JUDGE_NAME,
    group: `lockstep.canary-judge.${environment}`,
    labels: labels(environment),
    ruleLabels: { environment },
    rules: [judgeAlertRule(env.namespace, environment)],
  });
}
