/* eslint-disable @typescript-eslint/no-explicit-any -- dashboards are read back as the JSON Grafana gets */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  DASHBOARD_LABEL,
  dashboardUid,
  panelQueries,
  parseManifests,
  renderManifests,
} from "../src/index.js";
import { getModel } from "@lockstep/models";
import { createMetrics, type Metrics } from "../../../apps/inference/src/metrics.js";
import type { LoadedModel } from "../../../apps/inference/src/model-registry.js";
import { Monitoring } from "../../../apps/inference/src/monitoring.js";
import { observeAnswer } from "../../../apps/inference/src/observe-answer.js";
import { committedConfig, committedLock } from "./fixtures.js";
import { itWith } from "./tools.js";

const { files } = renderManifests(committedLock(), committedConfig());
const dashboardFiles = [...files.keys()].filter((path) => path.includes("configmap-dashboard"));

function dashboardAt(path: string): any {
  const [configMap] = parseManifests(files.get(path)!, path);
  const [key, text] = Object.entries((configMap as any).data as Record<string, string>)[0]!;
  const json = JSON.parse(text);
  expect(key).toBe(`${json.uid}.json`);
  return json;
}

/** Grafana fills these in before it queries; promtool needs concrete windows. */
const concrete = (expr: string) => expr.replaceAll("$__rate_interval", "5m").replaceAll("$__range", "1h");

describe("dashboards as code", () => {
  it("render an overview per environment and a dashboard per pinned model, as sidecar ConfigMaps", () => {
    expect(dashboardFiles).toEqual([
      "argocd/envs/production/namespace/configmap-dashboard-overview.yaml",
      "argocd/envs/staging/btc-signal/configmap-dashboard.yaml",
      "argocd/envs/staging/co2-forecast/configmap-dashboard.yaml",
      "argocd/envs/staging/fish-classifier/configmap-dashboard.yaml",
      "argocd/envs/staging/namespace/configmap-dashboard-overview.yaml",
    ]);
    for (const path of dashboardFiles) {
      const [configMap] = parseManifests(files.get(path)!, path);
      expect(configMap!.metadata.labels![DASHBOARD_LABEL]).toBe("1");
      expect(configMap!.metadata.annotations!["argocd.argoproj.io/sync-options"]).toBe(
        "ServerSideApply=true",
      );
      const dir = path.slice(0, path.lastIndexOf("/"));
      expect(files.get(`${dir}/kustomization.yaml`)).toContain(path.slice(dir.length + 1));
    }
  });

  it("hold every panel the issue names, with stable ids, one data source variable and refIds", () => {
    for (const path of dashboardFiles) {
      const dashboard = dashboardAt(path);
      const ids = dashboard.panels.map((p: any) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(dashboard.templating.list.map((v: any) => v.name)).toEqual(["datasource"]);
      expect(dashboard.uid.length).toBeLessThanOrEqual(40);
      for (const panel of dashboard.panels.filter((p: any) => p.type !== "row")) {
        expect(panel.datasource).toEqual({ type: "prometheus", uid: "${datasource}" });
        expect(panel.targets.length).toBeGreaterThan(0);
        expect(panel.targets.map((t: any) => t.refId)).toEqual(
          panel.targets.map((_: unknown, i: number) => String.fromCharCode(65 + i)),
        );
      }
    }
    const titles = (path: string) => dashboardAt(path).panels.map((p: any) => p.title);
    const common = [
      "Requests by status",
      "Request latency",
      "Error ratio",
      "Batch size",
      "Queue depth",
      "Cache hit ratio",
      "Feature drift",
      "Prediction drift",
      "Artifact sha256 per pod",
    ];
    const co2 = titles("argocd/envs/staging/co2-forecast/configmap-dashboard.yaml");
    expect(co2).toEqual(expect.arrayContaining([...common, "Forecast values"]));
    expect(co2).not.toContain("Predictions by class");
    const btc = titles("argocd/envs/staging/btc-signal/configmap-dashboard.yaml");
    expect(btc).toEqual(expect.arrayContaining([...common, "Predictions by class", "Class shares"]));
    expect(btc).not.toContain("Forecast values");
    expect(titles("argocd/envs/staging/namespace/configmap-dashboard-overview.yaml")).toEqual(
      expect.arrayContaining(["Models serving", "Artifacts served", "Alerts firing", "p99 latency"]),
    );
  });

  it("name dashboards by environment and model, within Grafana's 40-character uid", () => {
    expect(dashboardUid("staging", "co2-forecast")).toBe("lockstep-staging-co2-forecast");
    const long = dashboardUid("production", "a-model-name-that-is-rather-long-indeed");
    expect(long.length).toBe(40);
    expect(long).not.toBe(dashboardUid("production", "a-model-name-that-is-rather-long-indeee"));
  });

  itWith("promtool")("every dashboard query parses: promtool check rules", () => {
    const dir = mkdtempSync(join(tmpdir(), "lockstep-dashboards-"));
    const queries = dashboardFiles.flatMap((path) => panelQueries(dashboardAt(path)));
    expect(queries.length).toBeGreaterThan(60);
    for (const { expr } of queries) expect(concrete(expr)).not.toContain("$");
    const check = (exprs: string[]) => {
      const rules = exprs.map((expr, i) => ({ record: `lockstep:dashboard_query_${i}`, expr }));
      writeFileSync(join(dir, "rules.yaml"), stringify({ groups: [{ name: "dashboards", rules }] }));
      return spawnSync("promtool", ["check", "rules", "rules.yaml"], { cwd: dir, encoding: "utf8" });
    };
    const result = check(queries.map((q) => concrete(q.expr)));
    expect(result.stdout + result.stderr).toContain(`SUCCESS: ${queries.length} rules found`);
    expect(result.status).toBe(0);
    // and the check can fail: one unbalanced query is reported
    expect(check(["sum(rate(lockstep_http_requests_total[5m])"]).status).not.toBe(0);
  });

  itWith("promtool")(
    "every panel's query answers, on the series the servers export, exactly the values written here",
    async () => {
      const series = await exportedSeries();
      const cases = dashboardFiles.flatMap((path) => {
        const dashboard = dashboardAt(path);
        const expected = expectedPanels(path);
        const seen = new Map<string, number>();
        return panelQueries(dashboard).map(({ panel, expr }) => {
          const index = seen.get(panel) ?? 0;
          seen.set(panel, index + 1);
          const exp = expected[panel]?.[index];
          expect(exp, `${path}: no expected answer for "${panel}" #${index}`).toBeDefined();
          return { name: `${path} "${panel}" #${index}`, expr: concrete(expr), exp: exp! };
        });
      });
      // every expectation is used: a panel that disappears is noticed too
      const written = dashboardFiles.reduce(
        (n, path) => n + Object.values(expectedPanels(path)).flat().length,
        0,
      );
      expect(cases.length).toBe(written);
      expect(cases.length).toBeGreaterThan(100);
      const selectors = [...new Set(cases.flatMap((c) => selectorsOf(c.expr)))];
      expect(selectors.length).toBeGreaterThan(60);

      // each whole query: its value (ten-millionths, as promtool compares floats exactly)
      const values = promtool(
        series,
        cases.map((c) => ({
          expr: `round(${SCALE} * (${c.expr}))`,
          exp_samples: Object.entries(c.exp).map(([labels, value]) => ({
            labels,
            value: Math.round(value * SCALE),
          })),
        })),
      );
      expect(values.output).toContain("SUCCESS");
      expect(values.status).toBe(0);

      // each selector of each query matches a series on its own, so a fallback (`or vector(0)`)
      // cannot hide a metric or label that the servers do not export (here every model answers
      // some 5xx, or the selectors of errors would rightly match nothing)
      const failing = await exportedSeries(Object.fromEntries(Object.keys(ERRORS).map((k) => [k, 1])));
      const matched = promtool(
        failing,
        selectors.map((selector) => ({
          expr: `group(${selector})`,
          exp_samples: [{ labels: "{}", value: 1 }],
        })),
      );
      expect(matched.output).toContain("SUCCESS");
      expect(matched.status).toBe(0);

      // and the harness can fail: every selector with a typo in its metric, or in its first
      // label's name, matches nothing
      const typos = selectors.flatMap((selector) => [
        selector.replace(/^([a-zA-Z_:][a-zA-Z0-9_:]*)\{/, "$1x{"),
        selector.replace(/\{([a-zA-Z_][a-zA-Z0-9_]*)/, "{$1x"),
      ]);
      const empty = promtool(
        failing,
        typos.map((selector) => ({ expr: `group(${selector})`, exp_samples: [] })),
      );
      expect(empty.output).toContain("SUCCESS");
      expect(empty.status).toBe(0);
      // one typo in one query, and one wrong value, are reported
      const co2 = cases.find((c) => c.name.includes("co2-forecast") && c.expr.includes('result="hit"'))!;
      const broken = promtool(series, [
        {
          expr: `round(${SCALE} * (${co2.expr.replace('result="hit"', 'results="hit"')}))`,
          exp_samples: [{ labels: "{}", value: 0.75 * SCALE }],
        },
      ]);
      expect(broken.status).not.toBe(0);
      expect(broken.output).toContain("got: nil");
      const wrong = promtool(series, [
        { expr: `round(${SCALE} * (${co2.expr}))`, exp_samples: [{ labels: "{}", value: 0.5 * SCALE }] },
      ]);
      expect(wrong.status).not.toBe(0);
    },
  );
});

// ---- the series a cluster's Prometheus would hold, from the servers' own metric objects ----

/** Values are compared in ten-millionths: promtool compares floats exactly. */
const SCALE = 1e7;
/** Every series grows (counters, histograms) or holds (gauges) for ten one-minute scrapes. */
const AT = "10m";
const NEW = "ab".repeat(32);
const OLD = "cd".repeat(32);
const OLDER = "ef".repeat(32);
const PREDICT = { route: "/v1/models/:name/predict", method: "POST" };
const INFER = { route: "/v2/models/:name/infer", method: "POST" };
const SCRAPE = { route: "/metrics", method: "GET", status: "200" };
/**
 * 5xx a minute on each model's first pod; each pod answers 60 model requests a minute. Production's
 * co2-forecast and staging's fish-classifier answer none: their error ratio is 0.
 */
const ERRORS: Record<string, number> = {
  "staging/co2-forecast": 3,
  "staging/btc-signal": 6,
  "staging/fish-classifier": 0,
  "production/co2-forecast": 0,
};
const FEATURE: Record<string, string> = {
  "co2-forecast": "horizon",
  "btc-signal": "return_1",
  "fish-classifier": "mean_red",
};
/** The Rollout's pods: the stable one, and the canary's (serving the previous pin here). */
const podNames = (model: string) => [`${model}-7c9d8f6b5-x2k4p`, `${model}-6f4b9c8d7-q7w2z`] as const;

type Series = { series: string; values: string };
type Answer = Record<string, unknown>;

/** What each pod's server did in one minute, through its real metric objects and its model's spec. */
function minuteOf(
  model: string,
  first: boolean,
  errorsAMinute: number,
  metrics: Metrics,
  answer: (a: Answer) => void,
) {
  const errors = first ? errorsAMinute : 0;
  const route = first ? PREDICT : INFER;
  for (const [status, n] of [
    ["200", 60 - errors],
    ["500", errors],
  ] as const) {
    if (n === 0) continue;
    metrics.httpRequests.inc({ ...route, status }, n);
    for (let i = 0; i < n; i++) metrics.httpDuration.observe({ ...route, status }, 0.02);
  }
  // Prometheus's scrapes: slow, and no model request
  metrics.httpRequests.inc(SCRAPE, 4);
  for (let i = 0; i < 4; i++) metrics.httpDuration.observe(SCRAPE, 2);
  metrics.httpInFlight.set(first ? 3 : 1);
  metrics.rejected.inc({ reason: first ? "queue_full" : "timeout" }, first ? 6 : 3);
  if (first) metrics.modelInfo.set({ model, version: "3", sha256: NEW }, 1);
  else {
    metrics.modelInfo.set({ model, version: "2", sha256: OLD }, 1);
    metrics.modelInfo.set({ model, version: "1", sha256: OLDER }, 0);
    metrics.modelLoadFailures.inc({ model, reason: "integrity" }, 1);
  }
  for (let i = 0; i < 30; i++) metrics.inferenceDuration.observe({ model }, 0.0003);
  for (let i = 0; i < 10; i++) metrics.batchSize.observe({ model }, 3);
  metrics.queueDepth.set({ model }, first ? 2 : 5);
  metrics.cacheRequests.inc({ model, result: "hit" }, first ? 30 : 15);
  metrics.cacheRequests.inc({ model, result: "miss" }, first ? 10 : 5);
  metrics.cacheErrors.inc({ backend: "redis", operation: first ? "get" : "set" }, first ? 3 : 6);
  const answers: [number, Answer][] =
    model === "btc-signal"
      ? first
        ? [
            [6, { signal: "buy" }],
            [18, { signal: "hold" }],
          ]
        : [
            [12, { signal: "sell" }],
            [84, { signal: "hold" }],
          ]
      : model === "fish-classifier"
        ? [[first ? 30 : 90, { predicted_label: first ? "Black Sea Sprat" : "Red Mullet" }]]
        : [[20, { forecast: [{ month: "2030-01", value: 422 }] }]];
  for (const [n, a] of answers) for (let i = 0; i < n; i++) answer(a);
}

/** One pod's /metrics after a minute, as Prometheus stores it: the server's series and the PodMonitor's target labels. */
async function podSeries(
  environment: string,
  namespace: string,
  model: string,
  first: boolean,
  errors: number,
) {
  const pod = podNames(model)[first ? 0 : 1];
  const metrics = createMetrics();
  const served = { name: model, spec: getModel(model) } as unknown as LoadedModel;
  const log = { written: first ? 54 : 60, dropped: first ? 6 : 0, depth: 0 };
  const monitoring = new Monitoring(
    metrics,
    () => [served],
    { window: 100, minCount: 1 },
    log as unknown as ConstructorParameters<typeof Monitoring>[3],
  );
  // the drift window's statistics, as if its traffic had shifted
  (monitoring as unknown as { windows: WeakMap<object, unknown> }).windows.set(served, {
    featureDrift: () => new Map([[FEATURE[model]!, first ? 0.1 : 0.4]]),
    predictionDrift: () => (first ? 0.05 : 0.3),
  });
  minuteOf(model, first, errors, metrics, (a) => observeAnswer(metrics, served, a));

  const podMonitor = objectAt(`argocd/envs/staging/${model}/podmonitor.yaml`);
  const rollout = objectAt(`argocd/envs/staging/${model}/rollout.yaml`);
  const podLabels: Record<string, string> = {
    ...rollout.spec.template.metadata.labels,
    "lockstep.dev/environment": environment,
    "rollouts-pod-template-hash": pod.split("-").at(-2)!,
  };
  const target: Record<string, string> = {
    namespace,
    pod,
    container: rollout.spec.template.spec.containers[0].name,
    endpoint: podMonitor.spec.podMetricsEndpoints[0].port,
    job: `${namespace}/${podMonitor.metadata.name}`,
    instance: `10.0.${first ? 1 : 2}.7:8080`,
  };
  for (const label of podMonitor.spec.podTargetLabels as string[]) {
    expect(podLabels[label], `the pods carry ${label}`).toBeDefined();
    target[label.replace(/[^a-zA-Z0-9_]/g, "_")] = podLabels[label]!;
  }
  const series: Series[] = [];
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    if (/^lockstep_(process|nodejs)_/.test(metric.name)) continue;
    for (const value of metric.values as { value: number; labels: object; metricName?: string }[]) {
      const labels = { ...value.labels, ...target };
      const selector = Object.entries(labels)
        .map(([k, v]) => `${k}=${JSON.stringify(String(v))}`)
        .join(",");
      series.push({
        series: `${value.metricName ?? metric.name}{${selector}}`,
        values:
          String(metric.type) === "gauge" // prom-client types say an enum; its JSON holds the name
            ? `${value.value}x10`
            : `0+${value.value}x10`,
      });
    }
  }
  return series;
}

/** Prometheus's own ALERTS, for alerts the rendered rules raise (labels as the rule sets them). */
function alertSeries(): Series[] {
  const rule = (model: string, alert: string) =>
    (objectAt(`argocd/envs/staging/${model}/prometheusrule.yaml`).spec.groups[0].rules as any[]).find(
      (r) => r.alert === alert,
    )!;
  const alert = (model: string, name: string, state: string, extra: Record<string, string> = {}): Series => {
    const labels = { alertname: name, alertstate: state, ...rule(model, name).labels, ...extra };
    const selector = Object.entries(labels)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(",");
    return { series: `ALERTS{${selector}}`, values: "1x10" };
  };
  return [
    alert("co2-forecast", "LockstepFeatureDrift", "firing", { feature: "horizon" }),
    alert("btc-signal", "LockstepLatencyHigh", "firing"),
    alert("fish-classifier", "LockstepPodNotReady", "pending"),
    alert("co2-forecast", "LockstepTargetDown", "firing", { environment: "production" }),
    { series: `ALERTS{alertname="Watchdog",alertstate="firing",severity="none"}`, values: "1x10" },
  ];
}

/** Staging serves the three models, production co2-forecast: two pods each. */
async function exportedSeries(errors: Record<string, number> = ERRORS): Promise<Series[]> {
  const series: Series[] = [];
  for (const key of Object.keys(ERRORS)) {
    const [environment, model] = key.split("/") as [string, string];
    for (const first of [true, false])
      series.push(...(await podSeries(environment, `lockstep-${environment}`, model, first, errors[key]!)));
  }
  return [...series, ...alertSeries()];
}

function objectAt(path: string): any {
  return parseManifests(files.get(path)!, path)[0]!;
}

/** Every vector selector of a query (`metric{...}`), a range's window left off. */
const selectorsOf = (expr: string) =>
  [...expr.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*\{[^}]*\}/g)].map((m) => m[0]);

function promtool(
  series: Series[],
  tests: { expr: string; exp_samples: { labels: string; value: number }[] }[],
) {
  const dir = mkdtempSync(join(tmpdir(), "lockstep-dashboards-"));
  const file = {
    rule_files: [],
    evaluation_interval: "1m",
    tests: [
      {
        interval: "1m",
        input_series: series,
        promql_expr_test: tests.map((t) => ({ expr: t.expr, eval_time: AT, exp_samples: t.exp_samples })),
      },
    ],
  };
  writeFileSync(join(dir, "tests.yaml"), stringify(file, { lineWidth: 0 }));
  const result = spawnSync("promtool", ["test", "rules", "tests.yaml"], { cwd: dir, encoding: "utf8" });
  return { status: result.status, output: result.stdout + result.stderr };
}

// ---- what each panel must show on those series, written out ----

type Samples = Record<string, number>;

function expectedPanels(path: string): Record<string, Samples[]> {
  const overview = /^argocd\/envs\/([a-z]+)\/namespace\/configmap-dashboard-overview\.yaml$/.exec(path);
  if (overview) return OVERVIEW[overview[1]!]!;
  const model = /^argocd\/envs\/staging\/([a-z0-9-]+)\/configmap-dashboard\.yaml$/.exec(path)![1]!;
  const [a, b] = podNames(model);
  return {
    "Pods serving": [{ "{}": 2 }],
    "Artifacts served": [{ "{}": 2 }],
    "Model load failures": [{ "{}": 10 }],
    "Requests per second": [{ "{}": 2 }],
    "Artifact sha256 per pod": [
      { [`{pod="${a}",version="3",sha256="${NEW}"}`]: 1, [`{pod="${b}",version="2",sha256="${OLD}"}`]: 1 },
    ],
    "Requests refused": [{ '{reason="queue_full"}': 0.1, '{reason="timeout"}': 0.05 }],
    "Requests in flight per pod": [{ [`{pod="${a}"}`]: 3, [`{pod="${b}"}`]: 1 }],
    "Request latency": [{ "{}": 0.0175 }, { "{}": 0.0235 }, { "{}": 0.02485 }],
    "onnxruntime run latency": [{ "{}": 0.000375 }, { "{}": 0.0004975 }],
    "Batch size": [{ "{}": 3 }, { "{}": 3.98 }, { "{}": 3 }],
    "Queue depth": [{ [`{pod="${a}"}`]: 2, [`{pod="${b}"}`]: 5 }],
    "Cache hit ratio": [{ "{}": 0.75 }],
    "Cache errors": [{ '{operation="get"}': 0.05, '{operation="set"}': 0.1 }],
    "Feature drift": [{ [`{feature="${FEATURE[model]}"}`]: 0.4 }],
    "Prediction drift": [{ "{}": 0.3 }],
    "Prediction log": [{ "{}": 1.9 }, { "{}": 0.1 }],
    ...BY_MODEL[model],
  };
}

/** What differs by model: its errors, and what its spec observes of the answers. */
const BY_MODEL: Record<string, Record<string, Samples[]>> = {
  "co2-forecast": {
    "Requests by status": [{ '{status="200"}': 1.95, '{status="500"}': 0.05 }],
    "Error ratio": [{ "{}": 0.025 }],
    "Forecast values": [{ "{}": 420.5 }, { "{}": 422.5 }, { "{}": 424.5 }, { "{}": 422 }],
  },
  "btc-signal": {
    "Requests by status": [{ '{status="200"}': 1.9, '{status="500"}': 0.1 }],
    "Error ratio": [{ "{}": 0.05 }],
    "Predictions by class": [{ '{class="buy"}': 0.1, '{class="sell"}': 0.2, '{class="hold"}': 1.7 }],
    "Class shares": [{ '{class="buy"}': 0.05, '{class="sell"}': 0.1, '{class="hold"}': 0.85 }],
  },
  "fish-classifier": {
    "Requests by status": [{ '{status="200"}': 2 }],
    "Error ratio": [{ "{}": 0 }],
    "Predictions by class": [{ '{class="Black Sea Sprat"}': 0.5, '{class="Red Mullet"}': 1.5 }],
    "Class shares": [{ '{class="Black Sea Sprat"}': 0.25, '{class="Red Mullet"}': 0.75 }],
  },
};

const byModel = (values: Record<string, number>, label = "model") =>
  Object.fromEntries(Object.entries(values).map(([m, v]) => [`{${label}="${m}"}`, v]));
const artifacts = (...models: string[]) =>
  Object.fromEntries(
    models.flatMap((m) => [
      [`{model="${m}",version="3",sha256="${NEW}"}`, 1],
      [`{model="${m}",version="2",sha256="${OLD}"}`, 1],
    ]),
  );

const OVERVIEW: Record<string, Record<string, Samples[]>> = {
  staging: {
    "Models serving": [{ "{}": 3 }],
    "Requests per second": [
      { "{}": 6 },
      byModel({ "co2-forecast": 2, "btc-signal": 2, "fish-classifier": 2 }, "lockstep_dev_model"),
    ],
    "Error ratio": [
      { "{}": 0.025 },
      // fish-classifier has answered no 5xx: its line is 0, not missing
      byModel({ "co2-forecast": 0.025, "btc-signal": 0.05, "fish-classifier": 0 }, "lockstep_dev_model"),
    ],
    // the pending alert and the one that is not Lockstep's are not counted
    "Alerts firing": [
      { "{}": 2 },
      {
        '{alertname="LockstepFeatureDrift",model="co2-forecast",severity="warning"}': 1,
        '{alertname="LockstepLatencyHigh",model="btc-signal",severity="warning"}': 1,
      },
    ],
    "Artifacts served": [artifacts("co2-forecast", "btc-signal", "fish-classifier")],
    "p99 latency": [
      byModel(
        { "co2-forecast": 0.02485, "btc-signal": 0.02485, "fish-classifier": 0.02485 },
        "lockstep_dev_model",
      ),
    ],
    "Largest drift": [
      byModel({ "co2-forecast": 0.4, "btc-signal": 0.4, "fish-classifier": 0.4 }),
      byModel({ "co2-forecast": 0.3, "btc-signal": 0.3, "fish-classifier": 0.3 }),
    ],
  },
  production: {
    "Models serving": [{ "{}": 1 }],
    "Requests per second": [{ "{}": 2 }, byModel({ "co2-forecast": 2 }, "lockstep_dev_model")],
    "Error ratio": [{ "{}": 0 }, byModel({ "co2-forecast": 0 }, "lockstep_dev_model")],
    "Alerts firing": [
      { "{}": 1 },
      { '{alertname="LockstepTargetDown",model="co2-forecast",severity="critical"}': 1 },
    ],
    "Artifacts served": [artifacts("co2-forecast")],
    "p99 latency": [byModel({ "co2-forecast": 0.02485 }, "lockstep_dev_model")],
    "Largest drift": [byModel({ "co2-forecast": 0.4 }), byModel({ "co2-forecast": 0.3 })],
  },
};
