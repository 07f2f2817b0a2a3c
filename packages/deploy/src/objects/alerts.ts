import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { commonLabels, names, waveAnnotation, WAVE, type RenderTarget } from "../target.js";

/** The availability objective the error-budget alerts burn against: 99.9% of model requests answered without a 5xx. */
export const AVAILABILITY_SLO = 0.999;
/** A feature or prediction drift statistic above this for half an hour alerts (PSI > 0.25: a major shift). */
export const DRIFT_THRESHOLD = 0.25;

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  severity: "critical" | "warning";
  summary: string;
  description: string;
  /** The heading of its section in docs/runbooks.md. */
  runbook: string;
}

const MODEL_ROUTES = `route=~"/v[12]/models/.*"`;

/**
 * The inference Rollout's pods that stay unready, from kube-state-metrics' default series. Only the
 * Rollout's pods are named `<rollout>-<pod-template-hash>-<5 random>` (the monitor CronJob's are
 * `<model>-monitor-<schedule>-<5 random>`; another model's, `<model>-<more>-<hash>-<random>`), and a
 * pod that has finished (phase Succeeded or Failed: a completed Job's, an evicted one) stays
 * Ready=false forever while it serves nothing, so it is left out. (`kube_pod_labels` would name the
 * model only for allow-listed labels, which kube-prometheus-stack does not list by default.)
 */
function podNotReady(namespace: string, model: string): string {
  const pods = `namespace="${namespace}",pod=~"${model}-[a-z0-9]+-[a-z0-9]{5}"`;
  return (
    `sum(kube_pod_status_ready{${pods},condition="false"} == 1` +
    ` unless on (namespace, pod) (kube_pod_status_phase{${pods},phase=~"Succeeded|Failed"} == 1)) > 0`
  );
}

/** Every alert of one model in one environment: symptoms, each with a runbook section. */
export function alertRules(
  target: Pick<RenderTarget, "model" | "environment" | "settings" | "env">,
): AlertRule[] {
  const scope = `namespace="${target.env.namespace}",lockstep_dev_model="${target.model}"`;
  const metricScope = `namespace="${target.env.namespace}",model="${target.model}"`;
  const budget = 1 - AVAILABILITY_SLO;
  const ratio = (w: string) =>
    `(sum(rate(lockstep_http_requests_total{${scope},${MODEL_ROUTES},status=~"5.."}[${w}])) or vector(0))` +
    ` / sum(rate(lockstep_http_requests_total{${scope},${MODEL_ROUTES}}[${w}]))`;
  const burn = (long: string, short: string, factor: number) =>
    `(${ratio(long)}) > ${factor * budget} and (${ratio(short)}) > ${factor * budget}`;
  const p99 = target.settings.canary.analysis.p99Seconds;
  const who = `${target.model} (${target.environment})`;
  return [
    {
      alert: "LockstepErrorBudgetBurnFast",
      expr: burn("1h", "5m", 14.4),
      for: "2m",
      severity: "critical",
      summary: `${who} is burning its error budget 14x too fast`,
      description: `Over the last hour and the last 5 minutes more than ${(14.4 * budget * 100).toFixed(2)}% of model requests failed with a 5xx: at this rate the month's ${(budget * 100).toFixed(1)}% budget is gone in two days.`,
      runbook: "lockstep-error-budget-burn",
    },
    {
      alert: "LockstepErrorBudgetBurnSlow",
      expr: burn("6h", "30m", 6),
      for: "15m",
      severity: "warning",
      summary: `${who} is burning its error budget 6x too fast`,
      description: `Over the last 6 hours and the last 30 minutes more than ${(6 * budget * 100).toFixed(2)}% of model requests failed with a 5xx.`,
      runbook: "lockstep-error-budget-burn",
    },
    {
      alert: "LockstepLatencyHigh",
      expr: `histogram_quantile(0.99, sum by (le) (rate(lockstep_http_request_duration_seconds_bucket{${scope},${MODEL_ROUTES}}[5m]))) > ${p99}`,
      for: "10m",
      severity: "warning",
      summary: `${who} answers its slowest 1% in more than ${p99 * 1000} ms`,
      description: `The p99 latency of model requests has been above ${p99} s (the canary's bound) for 10 minutes.`,
      runbook: "lockstep-latency-high",
    },
    {
      alert: "LockstepTargetDown",
      expr: `(count(up{${scope}} == 0) > 0) or absent(up{${scope}})`,
      for: "5m",
      severity: "critical",
      summary: `${who}: Prometheus cannot scrape a pod, or finds none`,
      description:
        "A pod's /metrics has not answered for 5 minutes, or no pod of the model is scraped at all.",
      runbook: "lockstep-target-down",
    },
    {
      alert: "LockstepPodNotReady",
      expr: podNotReady(target.env.namespace, target.model),
      for: "10m",
      severity: "warning",
      summary: `${who} has pods that stay unready`,
      description:
        "A pod has failed its readiness probe for 10 minutes: its artifact did not load or verify (see its log), or it is draining.",
      runbook: "lockstep-pod-not-ready",
    },
    {
      alert: "LockstepModelVersionSkew",
      expr: `count(count by (sha256) (lockstep_model_info{${metricScope}} == 1)) > 1`,
      for: "30m",
      severity: "warning",
      summary: `${who} serves two artifacts at once for too long`,
      description:
        "Pods of one model have served different pins for 30 minutes: a canary that neither finishes nor aborts, or a hot swap that failed on some pods.",
      runbook: "lockstep-model-version-skew",
    },
    {
      alert: "LockstepFeatureDrift",
      expr: `max by (feature) (lockstep_feature_drift{${metricScope}}) > ${DRIFT_THRESHOLD}`,
      for: "30m",
      severity: "warning",
      summary: `${who}: the inputs no longer look like the training data`,
      description: `A feature's drift statistic (PSI, or Jensen-Shannon for categories) against the card's reference profile has been above ${DRIFT_THRESHOLD} for 30 minutes.`,
      runbook: "lockstep-drift",
    },
    {
      alert: "LockstepPredictionDrift",
      expr: `max(lockstep_prediction_drift{${metricScope}}) > ${DRIFT_THRESHOLD}`,
      for: "30m",
      severity: "warning",
      summary: `${who}: the predictions no longer look like the evaluation's`,
      description: `The predictions' drift statistic against the card's reference profile has been above ${DRIFT_THRESHOLD} for 30 minutes.`,
      runbook: "lockstep-drift",
    },
    {
      alert: "LockstepPredictionLogDropping",
      expr: `sum(rate(lockstep_prediction_log_dropped_total{${scope}}[10m])) > 0`,
      for: "10m",
      severity: "warning",
      summary: `${who} is dropping prediction log records`,
      description:
        "The prediction log's sink is down or too slow: records beyond the queue are dropped (requests are unaffected).",
      runbook: "lockstep-prediction-log-dropping",
    },
    {
      alert: "LockstepCacheErrors",
      expr: `sum(rate(lockstep_cache_errors_total{${scope}}[5m])) > 0`,
      for: "10m",
      severity: "warning",
      summary: `${who}: the response cache keeps failing`,
      description:
        "Redis errors for 10 minutes: the server answers without the cache (fail-open), at full model cost.",
      runbook: "lockstep-cache-errors",
    },
  ];
}

/** The alerts as a PrometheusRule beside the model's other objects (kube-prometheus-stack picks it up). */
export function prometheusRule(target: RenderTarget): PrometheusRule {
  return alertsObject(target.config, {
    name: names.stable(target.model),
    group: `lockstep.${target.model}.${target.environment}`,
    labels: commonLabels(target),
    ruleLabels: { model: target.model, environment: target.environment },
    rules: alertRules(target),
  });
}

/** Rules as one PrometheusRule group, each with its severity and its runbook's URL at the config's revision. */
export function alertsObject(
  config: Pick<RenderTarget["config"], "repository">,
  spec: {
    name: string;
    group: string;
    labels: Record<string, string>;
    ruleLabels: Record<string, string>;
    rules: AlertRule[];
  },
): PrometheusRule {
  const base = config.repository.url.replace(/\.git$/, "");
  const revision = config.repository.revision ?? "main";
  return new PrometheusRule({
    metadata: { name: spec.name, labels: spec.labels, annotations: waveAnnotation(WAVE.routing) },
    spec: {
      groups: [
        {
          name: spec.group,
          rules: spec.rules.map((rule) => ({
            alert: rule.alert,
            expr: rule.expr,
            for: rule.for,
            labels: { severity: rule.severity, ...spec.ruleLabels },
            annotations: {
              summary: rule.summary,
              description: rule.description,
              runbook_url: `${base}/blob/${revision}/docs/runbooks.md#${rule.runbook}`,
            },
          })),
        },
      ],
    },
  });
}
