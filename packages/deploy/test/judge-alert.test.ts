/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML is read back untyped */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseManifests, renderManifests } from "../src/index.js";
import { committedConfig, committedLock } from "./fixtures.js";
import { itWith } from "./tools.js";

const ROOT = resolve(import.meta.dirname, "../../..");
const { files } = renderManifests(committedLock(), committedConfig());
const PATH = "argocd/envs/staging/namespace/prometheusrule-canary-judge.yaml";
const NS = "lockstep-staging";
const ALERT = "LockstepCanaryJudgeUnavailable";

/** kube-state-metrics 2.x's available replicas of a Deployment, over 20 minutes. */
const available = (namespace: string, deployment: string, values: string) => ({
  series: `kube_deployment_status_replicas_available{namespace="${namespace}",deployment="${deployment}"}`,
  values,
});
const CASES = [
  { why: "no pod available", fires: true, series: [available(NS, "lockstep-canary-judge", "0x20")] },
  {
    why: "no judge Deployment reported at all",
    fires: true,
    series: [available(NS, "co2-forecast", "1x20")],
  },
  {
    why: "available for the last 10 minutes",
    fires: false,
    series: [available(NS, "lockstep-canary-judge", "0x5 1x15")],
  },
  { why: "the judge available", fires: false, series: [available(NS, "lockstep-canary-judge", "1x20")] },
  {
    why: "another namespace's judge down, this one's up",
    fires: false,
    series: [
      available("lockstep-production", "lockstep-canary-judge", "0x20"),
      available(NS, "lockstep-canary-judge", "1x20"),
    ],
  },
];

describe("the canary judge's alert", () => {
  it("is rendered beside the judge in each environment, with a runbook section", () => {
    for (const environment of ["staging", "production"]) {
      const path = `argocd/envs/${environment}/namespace/prometheusrule-canary-judge.yaml`;
      expect(files.get(`argocd/envs/${environment}/namespace/kustomization.yaml`), path).toContain(
        "prometheusrule-canary-judge.yaml",
      );
      const rules = (parseManifests(files.get(path)!, path)[0]!.spec as any).groups[0].rules;
      expect(rules.map((r: any) => [r.alert, r.labels])).toEqual([
        [ALERT, { severity: "warning", environment }],
      ]);
    }
    const rule = (parseManifests(files.get(PATH)!, PATH)[0]!.spec as any).groups[0].rules[0];
    const anchor = rule.annotations.runbook_url.split("#")[1];
    expect(readFileSync(join(ROOT, "docs/runbooks.md"), "utf8")).toContain(
      `## Lockstep canary judge unavailable`,
    );
    expect(anchor).toBe("lockstep-canary-judge-unavailable");
  });

  it("is not rendered when another judge, or none, is configured", () => {
    for (const canaryJudge of [false, "https://judge.example.com"] as const) {
      const config = committedConfig();
      config.cluster = { ...config.cluster, canaryJudge };
      expect(renderManifests(committedLock(), config).files.has(PATH), String(canaryJudge)).toBe(false);
    }
  });

  itWith("promtool")("passes promtool test rules: fires with no available judge pod, quiet with one", () => {
    const dir = mkdtempSync(join(tmpdir(), "lockstep-judge-alert-"));
    const rule = parseManifests(files.get(PATH)!, PATH)[0]!.spec as any;
    writeFileSync(join(dir, "rules.yaml"), stringify(rule));
    const expected = rule.groups[0].rules[0];
    const tests = {
      rule_files: ["rules.yaml"],
      evaluation_interval: "1m",
      tests: CASES.map((c) => ({
        interval: "1m",
        input_series: c.series,
        alert_rule_test: [
          {
            eval_time: "15m",
            alertname: ALERT,
            exp_alerts: c.fires
              ? [{ exp_labels: expected.labels, exp_annotations: expected.annotations }]
              : [],
          },
        ],
      })),
    };
    writeFileSync(join(dir, "tests.yaml"), stringify(tests));
    const result = spawnSync("promtool", ["test", "rules", "tests.yaml"], { cwd: dir, encoding: "utf8" });
    expect(result.stdout + result.stderr, result.stdout + result.stderr).toContain("SUCCESS");
    expect(result.status).toBe(0);
    // each case can fail: expecting the opposite of every case is reported for every case
    for (const test of tests.tests)
      test.alert_rule_test[0]!.exp_alerts = test.alert_rule_test[0]!.exp_alerts.length
        ? []
        : [{ exp_labels: expected.labels, exp_annotations: expected.annotations }];
    writeFileSync(join(dir, "tests.yaml"), stringify(tests));
    const flipped = spawnSync("promtool", ["test", "rules", "tests.yaml"], { cwd: dir, encoding: "utf8" });
    expect(flipped.status).not.toBe(0);
    expect(
      (flipped.stdout + flipped.stderr).match(/alertname: LockstepCanaryJudgeUnavailable/g),
    ).toHaveLength(CASES.length);
  });

  itWith("amtool")("routes to chat, as every warning", () => {
    const result = spawnSync(
      "amtool",
      [
        "config",
        "routes",
        "test",
        `--config.file=${join(ROOT, "docs/alertmanager.example.yaml")}`,
        `alertname=${ALERT}`,
        "severity=warning",
        "environment=staging",
      ],
      { encoding: "utf8" },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe("chat");
  });
});
