import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { AVAILABILITY_SLO, DRIFT_THRESHOLD } from "../objects/alerts.js";
import type { EnvironmentConfig } from "../config.js";
import { dashboardUid, errorRatio, MODEL_ROUTES, RATE } from "./model-dashboard.js";
import { lockstepDashboard, numberPanels, stat, table, timeseries } from "./panels.js";

/** Every model of one environment side by side, with links to each model's dashboard. */
export function overviewDashboard(environment: string, env: EnvironmentConfig): dashboard.Dashboard {
  const ns = `namespace="${env.namespace}"`;
  const requests = `lockstep_http_requests_total{${ns},${MODEL_ROUTES}}`;
  const builder = lockstepDashboard({
    title: `Lockstep / overview (${environment})`,
    uid: dashboardUid(environment, "overview"),
    description: `Every model served in ${env.namespace}.`,
    tags: ["lockstep", environment],
    environment,
    menu: "Models",
  })
    .withRow(new dashboard.RowBuilder("Now"))
    .withPanel(
      stat({
        title: "Models serving",
        description: "Models with at least one pod ready.",
        queries: [{ expr: `count(count by (model) (lockstep_model_info{${ns}} == 1))` }],
      }),
    )
    .withPanel(
      stat({
        title: "Requests per second",
        description: "Model requests answered per second, all models.",
        unit: "reqps",
        queries: [{ expr: `sum(rate(${requests}[${RATE}]))` }],
      }),
    )
    .withPanel(
      stat({
        title: "Error ratio",
        description: "Share of model requests answered 5xx, all models.",
        unit: "percentunit",
        limit: { value: 1 - AVAILABILITY_SLO },
        queries: [{ expr: errorRatio(ns) }],
      }),
    )
    .withPanel(
      stat({
        title: "Alerts firing",
        description: "Lockstep alerts firing in this environment.",
        limit: { value: 1 },
        queries: [
          {
            expr: `count(ALERTS{alertstate="firing",alertname=~"Lockstep.*",environment="${environment}"}) or vector(0)`,
          },
        ],
      }),
    )
    .withPanel(
      table({
        title: "Artifacts served",
        description: "Each model's version and sha256, and how many pods serve it.",
        columns: ["model", "version", "sha256", "pods"],
        valueColumn: "pods",
        queries: [{ expr: `count by (model, version, sha256) (lockstep_model_info{${ns}} == 1)` }],
      }),
    )
    .withPanel(
      table({
        title: "Alerts firing",
        description: "Lockstep alerts firing now, by model (see docs/runbooks.md).",
        columns: ["alertname", "model", "severity"],
        queries: [
          {
            expr: `max by (alertname, model, severity) (ALERTS{alertstate="firing",alertname=~"Lockstep.*",environment="${environment}"})`,
          },
        ],
      }),
    )
    .withRow(new dashboard.RowBuilder("By model"))
    .withPanel(
      timeseries({
        title: "Requests per second",
        description: "Model requests answered per second, by model.",
        unit: "reqps",
        queries: [
          {
            expr: `sum by (lockstep_dev_model) (rate(${requests}[${RATE}]))`,
            legend: "{{lockstep_dev_model}}",
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: "Error ratio",
        description: `Share of model requests answered 5xx, by model; the line is the ${AVAILABILITY_SLO * 100}% objective.`,
        unit: "percentunit",
        min: 0,
        limit: { value: 1 - AVAILABILITY_SLO },
        queries: [{ expr: errorRatio(ns, "lockstep_dev_model"), legend: "{{lockstep_dev_model}}" }],
      }),
    )
    .withPanel(
      timeseries({
        title: "p99 latency",
        description: "The slowest 1% of model requests, by model.",
        unit: "s",
        min: 0,
        queries: [
          {
            expr: `histogram_quantile(0.99, sum by (lockstep_dev_model, le) (rate(lockstep_http_request_duration_seconds_bucket{${ns},${MODEL_ROUTES}}[${RATE}])))`,
            legend: "{{lockstep_dev_model}}",
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: "Largest drift",
        description: `The largest feature or prediction drift of each model; the line is the alerts' ${DRIFT_THRESHOLD}.`,
        min: 0,
        limit: { value: DRIFT_THRESHOLD },
        queries: [
          { expr: `max by (model) (lockstep_feature_drift{${ns}})`, legend: "{{model}} features" },
          { expr: `max by (model) (lockstep_prediction_drift{${ns}})`, legend: "{{model}} predictions" },
        ],
      }),
    );
  return numberPanels(builder.build());
}
