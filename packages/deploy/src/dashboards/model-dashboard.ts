import { createHash } from "node:crypto";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { AVAILABILITY_SLO, DRIFT_THRESHOLD } from "../objects/alerts.js";
import type { RenderTarget } from "../target.js";
import { lockstepDashboard, numberPanels, stat, table, timeseries } from "./panels.js";

/** Grafana's rate window: at least four scrape intervals, whatever the zoom. */
export const RATE = "$__rate_interval";
export const MODEL_ROUTES = `route=~"/v[12]/models/.*"`;
const MAX_UID = 40;

/** A readable uid when it fits Grafana's 40 characters, else its prefix and a hash. */
export function dashboardUid(...parts: string[]): string {
  const uid = ["lockstep", ...parts].join("-");
  if (uid.length <= MAX_UID) return uid;
  const hash = createHash("sha256").update(uid).digest("hex").slice(0, 10);
  return `${uid.slice(0, MAX_UID - 11)}-${hash}`;
}

export const quantiles = (metric: string, selector: string, qs: number[], by = "") =>
  qs.map((q) => ({
    expr: `histogram_quantile(${q}, sum by (${by}le) (rate(${metric}_bucket{${selector}}[${RATE}])))`,
    legend: `p${Math.round(q * 100)}`,
  }));

/**
 * Share of model requests answered 5xx. A counter appears with its first 5xx: until then the
 * errors are 0, and, by label (`by`), 0 for each group that has requests (a bare `vector(0)` has
 * no labels, so it would match no group and the group's line would be missing, not 0).
 */
export const errorRatio = (selector: string, by = "") => {
  const sum = `sum${by ? ` by (${by})` : ""}`;
  const all = `${sum} (rate(lockstep_http_requests_total{${selector},${MODEL_ROUTES}}[${RATE}]))`;
  const none = by ? `0 * ${all}` : "vector(0)";
  return (
    `(${sum} (rate(lockstep_http_requests_total{${selector},${MODEL_ROUTES},status=~"5.."}[${RATE}])) or ${none})` +
    ` / ${all}`
  );
};

type Target = Pick<RenderTarget, "model" | "environment" | "spec" | "settings" | "env">;

function predictionPanels(target: Target, scope: string) {
  const observe = target.spec.serving.observe;
  const panels = [];
  if (observe?.classes) {
    const byClass = `sum by (class) (rate(lockstep_predictions_total{${scope}}[${RATE}]))`;
    panels.push(
      timeseries({
        title: "Predictions by class",
        description: "Predicted classes served per second.",
        unit: "reqps",
        queries: [{ expr: byClass, legend: "{{class}}" }],
      }),
      timeseries({
        title: "Class shares",
        description:
          "Each class's share of the predictions: a shift here is what the canary's class-share analysis and the prediction drift alert catch.",
        unit: "percentunit",
        min: 0,
        max: 1,
        queries: [
          {
            expr: `${byClass} / scalar(sum(rate(lockstep_predictions_total{${scope}}[${RATE}])))`,
            legend: "{{class}}",
          },
        ],
      }),
    );
  }
  if (observe?.values) {
    const metric = `lockstep_${observe.values.metric}`;
    panels.push(
      timeseries({
        title: "Forecast values",
        description: `${observe.values.help}: quantiles and mean of the values served.`,
        queries: [
          ...quantiles(metric, scope, [0.1, 0.5, 0.9]),
          {
            expr: `sum(rate(${metric}_sum{${scope}}[${RATE}])) / sum(rate(${metric}_count{${scope}}[${RATE}]))`,
            legend: "mean",
          },
        ],
      }),
    );
  }
  return panels;
}

/** One model in one environment: traffic, errors, latency, batching, cache, predictions, drift, artifact. */
export function modelDashboard(target: Target): dashboard.Dashboard {
  const ns = target.env.namespace;
  const pods = `namespace="${ns}",lockstep_dev_model="${target.model}"`;
  const scope = `namespace="${ns}",model="${target.model}"`;
  const requests = `lockstep_http_requests_total{${pods},${MODEL_ROUTES}}`;
  const p99 = target.settings.canary.analysis.p99Seconds;
  const builder = lockstepDashboard({
    title: `Lockstep / ${target.model} (${target.environment})`,
    uid: dashboardUid(target.environment, target.model),
    description: target.spec.description.replace(/\.?$/, "."),
    tags: ["lockstep", target.environment, target.model],
    environment: target.environment,
    menu: "Lockstep",
  })
    .withRow(new dashboard.RowBuilder("Artifact"))
    .withPanel(
      stat({
        title: "Pods serving",
        description: "Pods whose pinned artifact is loaded, verified and ready.",
        queries: [{ expr: `count(lockstep_model_info{${scope}} == 1)` }],
      }),
    )
    .withPanel(
      stat({
        title: "Artifacts served",
        description: "Distinct sha256 served at once: 2 during a canary, 1 otherwise.",
        limit: { value: 2 },
        queries: [{ expr: `count(count by (sha256) (lockstep_model_info{${scope}} == 1))` }],
      }),
    )
    .withPanel(
      stat({
        title: "Model load failures",
        description: "Artifacts that failed to load (missing, integrity error, invalid ONNX) in the window.",
        limit: { value: 1 },
        queries: [
          { expr: `sum(increase(lockstep_model_load_failures_total{${scope}}[$__range])) or vector(0)` },
        ],
      }),
    )
    .withPanel(
      stat({
        title: "Requests per second",
        description: "Model requests answered per second, every status.",
        unit: "reqps",
        queries: [{ expr: `sum(rate(${requests}[${RATE}]))` }],
      }),
    )
    .withPanel(
      table({
        title: "Artifact sha256 per pod",
        description: "The version and sha256 each pod serves (lockstep_model_info == 1).",
        columns: ["pod", "version", "sha256"],
        queries: [{ expr: `max by (pod, version, sha256) (lockstep_model_info{${scope}} == 1)` }],
      }),
    )
    .withRow(new dashboard.RowBuilder("Traffic and errors"))
    .withPanel(
      timeseries({
        title: "Requests by status",
        description: "Model requests per second by HTTP status.",
        unit: "reqps",
        queries: [{ expr: `sum by (status) (rate(${requests}[${RATE}]))`, legend: "{{status}}" }],
      }),
    )
    .withPanel(
      timeseries({
        title: "Error ratio",
        description: `Share of model requests answered 5xx; the line is the ${AVAILABILITY_SLO * 100}% availability objective.`,
        unit: "percentunit",
        min: 0,
        limit: { value: 1 - AVAILABILITY_SLO },
        queries: [{ expr: errorRatio(pods), legend: "5xx share" }],
      }),
    )
    .withPanel(
      timeseries({
        title: "Requests refused",
        description:
          "Requests refused to protect the server, by reason (overloaded, queue_full, timeout, ...).",
        unit: "reqps",
        queries: [
          {
            expr: `sum by (reason) (rate(lockstep_requests_rejected_total{${pods}}[${RATE}]))`,
            legend: "{{reason}}",
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: "Requests in flight per pod",
        description: "What the autoscaler scales on.",
        queries: [{ expr: `sum by (pod) (lockstep_http_requests_in_flight{${pods}})`, legend: "{{pod}}" }],
      }),
    )
    .withRow(new dashboard.RowBuilder("Latency"))
    .withPanel(
      timeseries({
        title: "Request latency",
        description: `Percentiles of model request latency; the line is the canary's p99 bound (${p99} s).`,
        unit: "s",
        min: 0,
        limit: { value: p99 },
        queries: quantiles(
          "lockstep_http_request_duration_seconds",
          `${pods},${MODEL_ROUTES}`,
          [0.5, 0.9, 0.99],
        ),
      }),
    )
    .withPanel(
      timeseries({
        title: "onnxruntime run latency",
        description: "Percentiles of session.run time per batch (the model alone, without HTTP).",
        unit: "s",
        min: 0,
        queries: quantiles("lockstep_inference_duration_seconds", scope, [0.5, 0.99]),
      }),
    )
    .withRow(new dashboard.RowBuilder("Batching and cache"))
    .withPanel(
      timeseries({
        title: "Batch size",
        description: "Rows per onnxruntime run: requests merged by the micro-batcher.",
        min: 0,
        queries: [
          ...quantiles("lockstep_inference_batch_size", scope, [0.5, 0.99]),
          {
            expr: `sum(rate(lockstep_inference_batch_size_sum{${scope}}[${RATE}])) / sum(rate(lockstep_inference_batch_size_count{${scope}}[${RATE}]))`,
            legend: "mean",
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: "Queue depth",
        description: "Requests waiting for an onnxruntime run, per pod.",
        min: 0,
        queries: [{ expr: `max by (pod) (lockstep_inference_queue_depth{${scope}})`, legend: "{{pod}}" }],
      }),
    )
    .withPanel(
      timeseries({
        title: "Cache hit ratio",
        description: "Share of response cache lookups answered from the cache.",
        unit: "percentunit",
        min: 0,
        max: 1,
        queries: [
          {
            expr: `sum(rate(lockstep_cache_requests_total{${scope},result="hit"}[${RATE}])) / sum(rate(lockstep_cache_requests_total{${scope}}[${RATE}]))`,
            legend: "hit ratio",
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: "Cache errors",
        description: "Cache backend errors by operation: the server answers without the cache meanwhile.",
        unit: "ops",
        queries: [
          {
            expr: `sum by (operation) (rate(lockstep_cache_errors_total{${pods}}[${RATE}]))`,
            legend: "{{operation}}",
          },
        ],
      }),
    )
    .withRow(new dashboard.RowBuilder("Predictions"));
  for (const panel of predictionPanels(target, scope)) builder.withPanel(panel);
  builder
    .withRow(new dashboard.RowBuilder("Drift"))
    .withPanel(
      timeseries({
        title: "Feature drift",
        description: `Each input feature's drift over the pods' rolling windows against the card's reference profile (PSI, or Jensen-Shannon for categories); the line is the alert's ${DRIFT_THRESHOLD}.`,
        min: 0,
        limit: { value: DRIFT_THRESHOLD },
        queries: [{ expr: `max by (feature) (lockstep_feature_drift{${scope}})`, legend: "{{feature}}" }],
      }),
    )
    .withPanel(
      timeseries({
        title: "Prediction drift",
        description: `The predictions' drift against the card's reference profile; the line is the alert's ${DRIFT_THRESHOLD}.`,
        min: 0,
        limit: { value: DRIFT_THRESHOLD },
        queries: [{ expr: `max(lockstep_prediction_drift{${scope}})`, legend: "prediction drift" }],
      }),
    )
    .withPanel(
      timeseries({
        title: "Prediction log",
        description: "Records written to the prediction log's sink, and dropped while it was slow or down.",
        unit: "ops",
        queries: [
          { expr: `sum(rate(lockstep_prediction_log_written_total{${pods}}[${RATE}]))`, legend: "written" },
          { expr: `sum(rate(lockstep_prediction_log_dropped_total{${pods}}[${RATE}]))`, legend: "dropped" },
        ],
      }),
    );
  return numberPanels(builder.build());
}
