/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML is read back untyped */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { alertRules, parseManifests, renderManifests } from "../src/index.js";
import { committedConfig, committedLock } from "./fixtures.js";
import { itWith } from "./tools.js";

const ROOT = resolve(import.meta.dirname, "../../..");
const { files } = renderManifests(committedLock(), committedConfig());
const path = "argocd/envs/staging/co2-forecast/prometheusrule.yaml";
const rule = parseManifests(files.get(path)!, path)[0]!;
const group = (rule.spec as any).groups[0];
const NS = "lockstep-staging";
const POD = `namespace="${NS}",lockstep_dev_model="co2-forecast"`;
const METRIC = `namespace="${NS}",model="co2-forecast"`;
const ROUTE = `route="/v1/models/:name/predict"`;

const ALERTMANAGER = join(ROOT, "docs/alertmanager.example.yaml");
/** Every rendered alert and its severity, written out: a change here is a decision, made in review. */
const SEVERITY: Record<string, "critical" | "warning"> = {
  LockstepErrorBudgetBurnFast: "critical",
  LockstepErrorBudgetBurnSlow: "warning",
  LockstepLatencyHigh: "warning",
  LockstepTargetDown: "critical",
  LockstepPodNotReady: "warning",
  LockstepModelVersionSkew: "warning",
  LockstepFeatureDrift: "warning",
  LockstepPredictionDrift: "warning",
  LockstepPredictionLogDropping: "warning",
  LockstepCacheErrors: "warning",
};
/** Where each severity must reach (docs/alertmanager.example.yaml's receivers). */
const RECEIVER = { critical: "pager", warning: "chat" };

interface Case {
  alert: string;
  fires: boolean;
  at: string;
  series: { series: string; values: string }[];
  labels?: Record<string, string>;
}

const requests = (ok: number, failed: number, minutes: number) => [
  {
    series: `lockstep_http_requests_total{${POD},${ROUTE},method="POST",status="200"}`,
    values: `0+${ok}x${minutes}`,
  },
  {
    series: `lockstep_http_requests_total{${POD},${ROUTE},method="POST",status="500"}`,
    values: `0+${failed}x${minutes}`,
  },
];
const latency = (slowBucket: string) =>
  ["0.005", "0.05", "0.25", "0.5", "+Inf"].map((le) => ({
    series: `lockstep_http_request_duration_seconds_bucket{${POD},${ROUTE},method="POST",status="200",le="${le}"}`,
    values: Number(le) >= Number(slowBucket) || le === "+Inf" ? "0+100x30" : "0+0x30",
  }));

const INFERENCE_POD = "co2-forecast-7c9d8f6b5-x2k4p";
const EVICTED_POD = "co2-forecast-7c9d8f6b5-m9v4t";
const MONITOR_POD = "co2-forecast-monitor-28912345-b7xqz";
const MONITOR_FAILED_POD = "co2-forecast-monitor-28912405-zq2lp";
const PHASES = ["Pending", "Running", "Succeeded", "Failed", "Unknown"];
/** What kube-state-metrics 2.x exports of a pod's readiness and phase, over 20 minutes. */
const podStatus = (pod: string, status: { ready: boolean; phase: string }) => [
  ...["true", "false", "unknown"].map((condition) => ({
    series: `kube_pod_status_ready{namespace="${NS}",pod="${pod}",uid="uid-${pod}",condition="${condition}"}`,
    values: `${Number(condition === String(status.ready))}x20`,
  })),
  ...PHASES.map((phase) => ({
    series: `kube_pod_status_phase{namespace="${NS}",pod="${pod}",uid="uid-${pod}",phase="${phase}"}`,
    values: `${Number(phase === status.phase)}x20`,
  })),
];

// every alert, firing and not: the expected annotations come from the same rule objects
const CASES: Case[] = [
  { alert: "LockstepErrorBudgetBurnFast", fires: true, at: "70m", series: requests(980, 20, 80) },
  { alert: "LockstepErrorBudgetBurnFast", fires: false, at: "70m", series: requests(995, 5, 80) },
  { alert: "LockstepErrorBudgetBurnSlow", fires: true, at: "7h", series: requests(993, 7, 450) },
  { alert: "LockstepErrorBudgetBurnSlow", fires: false, at: "7h", series: requests(999, 1, 450) },
  { alert: "LockstepLatencyHigh", fires: true, at: "25m", series: latency("0.5") },
  { alert: "LockstepLatencyHigh", fires: false, at: "25m", series: latency("0.005") },
  {
    alert: "LockstepTargetDown",
    fires: true,
    at: "10m",
    series: [{ series: `up{${POD},pod="co2-forecast-1"}`, values: "0x15" }],
  },
  {
    alert: "LockstepTargetDown",
    fires: false,
    at: "10m",
    series: [{ series: `up{${POD},pod="co2-forecast-1"}`, values: "1x15" }],
  },
  // the Rollout's pods are <rollout>-<pod-template-hash>-<5 random>; the monitor CronJob's are
  // <model>-monitor-<schedule>-<5 random>, and a finished one stays Ready=false, phase Succeeded
  {
    alert: "LockstepPodNotReady",
    fires: true,
    at: "15m",
    series: podStatus(INFERENCE_POD, { ready: false, phase: "Running" }),
  },
  {
    alert: "LockstepPodNotReady",
    fires: true,
    at: "15m",
    series: [
      ...podStatus(INFERENCE_POD, { ready: false, phase: "Running" }),
      ...podStatus(MONITOR_POD, { ready: false, phase: "Succeeded" }),
    ],
  },
  {
    alert: "LockstepPodNotReady",
    fires: false,
    at: "15m",
    series: podStatus(INFERENCE_POD, { ready: true, phase: "Running" }),
  },
  {
    alert: "LockstepPodNotReady",
    fires: false,
    at: "15m",
    series: [
      ...podStatus(INFERENCE_POD, { ready: true, phase: "Running" }),
      ...podStatus(MONITOR_POD, { ready: false, phase: "Succeeded" }),
    ],
  },
  {
    alert: "LockstepPodNotReady",
    fires: false,
    at: "15m",
    series: [
      ...podStatus(INFERENCE_POD, { ready: true, phase: "Running" }),
      ...podStatus(MONITOR_FAILED_POD, { ready: false, phase: "Failed" }),
    ],
  },
  {
    // an evicted Rollout pod lingers, phase Failed, until it is collected: its replacement serves
    alert: "LockstepPodNotReady",
    fires: false,
    at: "15m",
    series: [
      ...podStatus(INFERENCE_POD, { ready: true, phase: "Running" }),
      ...podStatus(EVICTED_POD, { ready: false, phase: "Failed" }),
    ],
  },
  {
    // another model whose name starts with this one's is not this one
    alert: "LockstepPodNotReady",
    fires: false,
    at: "15m",
    series: podStatus("co2-forecast-v2-6d8f9b7c4-q7w2z", { ready: false, phase: "Running" }),
  },
  {
    alert: "LockstepModelVersionSkew",
    fires: true,
    at: "40m",
    series: [
      { series: `lockstep_model_info{${METRIC},version="1",sha256="aa",pod="a"}`, values: "1x50" },
      { series: `lockstep_model_info{${METRIC},version="2",sha256="bb",pod="b"}`, values: "1x50" },
    ],
  },
  {
    alert: "LockstepModelVersionSkew",
    fires: false,
    at: "40m",
    series: [
      { series: `lockstep_model_info{${METRIC},version="2",sha256="bb",pod="a"}`, values: "1x50" },
      { series: `lockstep_model_info{${METRIC},version="2",sha256="bb",pod="b"}`, values: "1x50" },
    ],
  },
  {
    alert: "LockstepFeatureDrift",
    fires: true,
    at: "40m",
    series: [
      { series: `lockstep_feature_drift{${METRIC},feature="monthly_change",pod="a"}`, values: "0.6x50" },
    ],
    labels: { feature: "monthly_change" },
  },
  {
    alert: "LockstepFeatureDrift",
    fires: false,
    at: "40m",
    series: [
      { series: `lockstep_feature_drift{${METRIC},feature="monthly_change",pod="a"}`, values: "0.05x50" },
    ],
  },
  {
    alert: "LockstepPredictionDrift",
    fires: true,
    at: "40m",
    series: [{ series: `lockstep_prediction_drift{${METRIC},pod="a"}`, values: "0.5x50" }],
  },
  {
    alert: "LockstepPredictionDrift",
    fires: false,
    at: "40m",
    series: [{ series: `lockstep_prediction_drift{${METRIC},pod="a"}`, values: "0.01x50" }],
  },
  {
    alert: "LockstepPredictionLogDropping",
    fires: true,
    at: "25m",
    series: [{ series: `lockstep_prediction_log_dropped_total{${POD},pod="a"}`, values: "0+10x30" }],
  },
  {
    alert: "LockstepPredictionLogDropping",
    fires: false,
    at: "25m",
    series: [{ series: `lockstep_prediction_log_dropped_total{${POD},pod="a"}`, values: "5x30" }],
  },
  {
    alert: "LockstepCacheErrors",
    fires: true,
    at: "20m",
    series: [
      {
        series: `lockstep_cache_errors_total{${POD},pod="a",backend="redis",operation="get"}`,
        values: "0+3x30",
      },
    ],
  },
  {
    alert: "LockstepCacheErrors",
    fires: false,
    at: "20m",
    series: [
      {
        series: `lockstep_cache_errors_total{${POD},pod="a",backend="redis",operation="get"}`,
        values: "0x30",
      },
    ],
  },
];

describe("the alert rules rendered beside each model", () => {
  it("render for every model and environment pinned, each alert with severity, summary and a runbook section", () => {
    const rendered = [...files.keys()].filter((p) => p.endsWith("/prometheusrule.yaml"));
    expect(rendered.length).toBe(3);
    const runbooks = readFileSync(join(ROOT, "docs/runbooks.md"), "utf8");
    const anchors = new Set(
      [...runbooks.matchAll(/^## (.+)$/gm)].map((m) =>
        m[1]!
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, "")
          .replace(/ /g, "-"),
      ),
    );
    for (const r of group.rules) {
      expect(["critical", "warning"]).toContain(r.labels.severity);
      expect(r.annotations.summary).toBeTruthy();
      const anchor = r.annotations.runbook_url.split("#")[1];
      expect(anchors, `${r.alert} → #${anchor}`).toContain(anchor);
      expect(r.annotations.runbook_url).toMatch(
        /^https:\/\/github\.com\/.+\/blob\/main\/docs\/runbooks\.md#/,
      );
    }
  });

  it("every alert has a promtool case that fires and one that does not", () => {
    const names = alertRules({ ...({} as any), ...target() }).map((r) => r.alert);
    for (const name of names) {
      expect(
        CASES.filter((c) => c.alert === name && c.fires),
        name,
      ).not.toHaveLength(0);
      expect(
        CASES.filter((c) => c.alert === name && !c.fires),
        name,
      ).not.toHaveLength(0);
    }
  });

  itWith("promtool")(
    "pass promtool test rules: each alert fires on its symptom and stays quiet without it",
    () => {
      const dir = mkdtempSync(join(tmpdir(), "lockstep-alerts-"));
      writeFileSync(join(dir, "rules.yaml"), stringify(rule.spec));
      const byName = new Map(group.rules.map((r: any) => [r.alert, r]));
      const tests = {
        rule_files: ["rules.yaml"],
        evaluation_interval: "1m",
        tests: CASES.map((c) => {
          const r: any = byName.get(c.alert);
          return {
            interval: "1m",
            input_series: c.series,
            alert_rule_test: [
              {
                eval_time: c.at,
                alertname: c.alert,
                exp_alerts: c.fires
                  ? [{ exp_labels: { ...r.labels, ...c.labels }, exp_annotations: r.annotations }]
                  : [],
              },
            ],
          };
        }),
      };
      writeFileSync(join(dir, "tests.yaml"), stringify(tests));
      const result = spawnSync("promtool", ["test", "rules", "tests.yaml"], { cwd: dir, encoding: "utf8" });
      expect(result.stdout + result.stderr).toContain("SUCCESS");
      expect(result.status).toBe(0);
      // and the harness can fail: a case expecting the wrong thing is reported
      tests.tests[0]!.alert_rule_test[0]!.exp_alerts = [];
      writeFileSync(join(dir, "tests.yaml"), stringify(tests));
      expect(spawnSync("promtool", ["test", "rules", "tests.yaml"], { cwd: dir }).status).not.toBe(0);
    },
  );

  it("carry the severity this table pins, every alert of every model and environment", () => {
    const rendered = [...files.keys()].filter((p) => p.endsWith("/prometheusrule.yaml"));
    expect(rendered.length).toBe(3);
    for (const p of rendered) {
      const rules = (parseManifests(files.get(p)!, p)[0]!.spec as any).groups[0].rules;
      expect(Object.fromEntries(rules.map((r: any) => [r.alert, r.labels.severity])), p).toStrictEqual(
        SEVERITY,
      );
      expect(rules.length, p).toBe(Object.keys(SEVERITY).length);
    }
  });

  itWith("amtool")("the Alertmanager example passes amtool check-config", () => {
    const result = spawnSync("amtool", ["check-config", ALERTMANAGER], { encoding: "utf8" });
    expect(result.stdout + result.stderr).toContain("SUCCESS");
    expect(result.status).toBe(0);
  });

  itWith("amtool")(
    "the Alertmanager example routes each rendered alert by its severity: critical pages, warnings go to chat",
    () => {
      const receiverOf = (labels: Record<string, string>) => {
        const result = spawnSync(
          "amtool",
          [
            "config",
            "routes",
            "test",
            `--config.file=${ALERTMANAGER}`,
            ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
          ],
          { encoding: "utf8" },
        );
        expect(result.status, result.stderr).toBe(0);
        return result.stdout.trim();
      };
      const routed = [...files.keys()]
        .filter((p) => p.endsWith("/prometheusrule.yaml"))
        .flatMap((p) => (parseManifests(files.get(p)!, p)[0]!.spec as any).groups[0].rules)
        .map((r: any) => ({ alert: r.alert, receiver: receiverOf({ alertname: r.alert, ...r.labels }) }));
      expect(routed.length).toBe(3 * Object.keys(SEVERITY).length);
      for (const { alert, receiver } of routed) expect(receiver, alert).toBe(RECEIVER[SEVERITY[alert]!]);
      // the literal answers, so that a table and a config that agree on the wrong thing still fail
      expect(receiverOf({ alertname: "LockstepTargetDown", severity: "critical" })).toBe("pager");
      expect(receiverOf({ alertname: "LockstepCacheErrors", severity: "warning" })).toBe("chat");
    },
  );
});

function target() {
  const config = committedConfig();
  return {
    model: "co2-forecast",
    environment: "staging",
    env: config.environments.staging!,
    settings: { canary: { analysis: { p99Seconds: 0.1 } } } as any,
  };
}
