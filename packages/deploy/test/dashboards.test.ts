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
const queryOf = (dashboard: any, title: string, index = 0) =>
  concrete(panelQueries(dashboard).filter((q) => q.panel === title)[index]!.expr);

const NS = "lockstep-staging";
const SHA = "ab".repeat(32);

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

  itWith("promtool")("the queries answer what their panels say: promtool test rules", () => {
    const co2 = dashboardAt("argocd/envs/staging/co2-forecast/configmap-dashboard.yaml");
    const btc = dashboardAt("argocd/envs/staging/btc-signal/configmap-dashboard.yaml");
    const overview = dashboardAt("argocd/envs/staging/namespace/configmap-dashboard-overview.yaml");
    const pod = (model: string, name: string) =>
      `namespace="${NS}",lockstep_dev_model="${model}",model="${model}",pod="${name}"`;
    const route = `route="/v1/models/:name/predict",method="POST"`;
    const co2Pods = `namespace="${NS}",lockstep_dev_model="co2-forecast",pod="co2-a"`;
    const series = [
      {
        series: `lockstep_model_info{${pod("co2-forecast", "co2-a")},version="2",sha256="${SHA}"}`,
        values: "1x10",
      },
      {
        series: `lockstep_model_info{${pod("co2-forecast", "co2-b")},version="2",sha256="${SHA}"}`,
        values: "1x10",
      },
      {
        series: `lockstep_model_info{${pod("co2-forecast", "co2-c")},version="1",sha256="${"cd".repeat(32)}"}`,
        values: "0x10",
      },
      {
        series: `lockstep_cache_requests_total{${pod("co2-forecast", "co2-a")},result="hit"}`,
        values: "0+30x10",
      },
      {
        series: `lockstep_cache_requests_total{${pod("co2-forecast", "co2-a")},result="miss"}`,
        values: "0+10x10",
      },
      { series: `lockstep_http_requests_total{${co2Pods},${route},status="200"}`, values: "0+98x10" },
      { series: `lockstep_http_requests_total{${co2Pods},${route},status="500"}`, values: "0+2x10" },
      {
        series: `lockstep_http_requests_total{${co2Pods},route="/metrics",method="GET",status="500"}`,
        values: "0+50x10",
      },
      {
        series: `lockstep_feature_drift{${pod("co2-forecast", "co2-a")},feature="horizon"}`,
        values: "0.1x10",
      },
      {
        series: `lockstep_feature_drift{${pod("co2-forecast", "co2-b")},feature="horizon"}`,
        values: "0.4x10",
      },
      { series: `lockstep_predictions_total{${pod("btc-signal", "btc-a")},class="buy"}`, values: "0+1x10" },
      { series: `lockstep_predictions_total{${pod("btc-signal", "btc-a")},class="hold"}`, values: "0+3x10" },
    ];
    const at = "10m";
    const sample = (labels: string, value: number) => ({ labels, value });
    const cases = [
      {
        expr: queryOf(co2, "Artifact sha256 per pod"),
        exp: [
          sample(`{pod="co2-a",sha256="${SHA}",version="2"}`, 1),
          sample(`{pod="co2-b",sha256="${SHA}",version="2"}`, 1),
        ],
      },
      { expr: queryOf(co2, "Cache hit ratio"), exp: [sample("{}", 0.75)] },
      // /metrics failing is no model error
      { expr: queryOf(co2, "Error ratio"), exp: [sample("{}", 0.02)] },
      { expr: queryOf(co2, "Feature drift"), exp: [sample(`{feature="horizon"}`, 0.4)] },
      { expr: queryOf(co2, "Artifacts served"), exp: [sample("{}", 1)] },
      {
        expr: queryOf(btc, "Class shares"),
        exp: [sample(`{class="buy"}`, 0.25), sample(`{class="hold"}`, 0.75)],
      },
      {
        expr: queryOf(overview, "Artifacts served"),
        exp: [sample(`{model="co2-forecast",sha256="${SHA}",version="2"}`, 2)],
      },
    ];
    const dir = mkdtempSync(join(tmpdir(), "lockstep-dashboards-"));
    const tests = {
      rule_files: [],
      evaluation_interval: "1m",
      tests: [
        {
          interval: "1m",
          input_series: series,
          // promtool compares floats exactly: compare ten-thousandths
          promql_expr_test: cases.map((c) => ({
            expr: `round(10000 * (${c.expr}))`,
            eval_time: at,
            exp_samples: c.exp.map((s) => ({ labels: s.labels, value: s.value * 10000 })),
          })),
        },
      ],
    };
    writeFileSync(join(dir, "tests.yaml"), stringify(tests));
    const result = spawnSync("promtool", ["test", "rules", "tests.yaml"], { cwd: dir, encoding: "utf8" });
    expect(result.stdout + result.stderr).toContain("SUCCESS");
    expect(result.status).toBe(0);
    // and the harness can fail: a wrong expectation is reported
    tests.tests[0]!.promql_expr_test[1]!.exp_samples[0]!.value = 5000;
    writeFileSync(join(dir, "tests.yaml"), stringify(tests));
    expect(spawnSync("promtool", ["test", "rules", "tests.yaml"], { cwd: dir }).status).not.toBe(0);
  });
});
