/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML is read back untyped, as a reviewer reads it */
import { describe, expect, it } from "vitest";
import { models } from "@lockstep/models";
import type { DeployError } from "../src/index.js";
import {
  monitorName,
  parseManifests,
  renderManifests,
  validateDeployConfig,
  type DeployConfig,
} from "../src/index.js";
import { committedLock, configWith } from "./fixtures.js";

const known = Object.keys(models);
const DIR = "argocd/envs/staging/co2-forecast";

function render(edit: (config: Record<string, any>) => void = () => {}) {
  const config = validateDeployConfig(configWith(edit), known) as DeployConfig;
  return renderManifests(committedLock(), config).files;
}
const objectAt = (files: Map<string, string>, path: string) =>
  parseManifests(files.get(path)!, path)[0]! as any;
const serverEnv = (files: Map<string, string>) =>
  Object.fromEntries(
    objectAt(files, `${DIR}/rollout.yaml`).spec.template.spec.containers[0].env.map((e: any) => [
      e.name,
      e.value ?? e.valueFrom,
    ]),
  );

function issuesOf(edit: (config: Record<string, any>) => void): string[] {
  try {
    validateDeployConfig(configWith(edit), known);
  } catch (error) {
    expect((error as DeployError).code).toBe("DEPLOY_CONFIG_INVALID");
    return (error as DeployError).issues.map((i) => i.pointer);
  }
  throw new Error("the config was accepted");
}

describe("the monitor CronJob", () => {
  it("runs lockstep monitor on the model's pin over ClickHouse, publishing to the environment's store", () => {
    const files = render();
    const cronJob = objectAt(files, `${DIR}/cronjob-monitor.yaml`);
    expect(cronJob.metadata.name).toBe("co2-forecast-monitor");
    expect(cronJob.spec).toMatchObject({ schedule: "17 */6 * * *", concurrencyPolicy: "Forbid" });
    const job = cronJob.spec.jobTemplate.spec;
    // drift (1) and bad input (2) fail the Job at once; only infrastructure failures retry
    expect(job.podFailurePolicy.rules[0]).toMatchObject({
      action: "FailJob",
      onExitCodes: { values: [1, 2] },
    });
    const pod = job.template.spec;
    expect(pod.restartPolicy).toBe("Never");
    const [container] = pod.containers;
    expect([...container.command, ...container.args]).toEqual([
      "node",
      "dist/lockstep.mjs",
      "monitor",
      "co2-forecast",
      "--env",
      "staging",
      "--since",
      "6h",
      "--out",
      "/tmp/monitor",
      "--store",
      "s3://lockstep-artifacts/models",
      "--allow-empty",
    ]);
    const rollout = objectAt(files, `${DIR}/rollout.yaml`);
    expect(container.image).toBe(rollout.spec.template.spec.containers[0].image);
    expect(pod.volumes[0].configMap.name).toBe(objectAt(files, `${DIR}/configmap-pin.yaml`).metadata.name);
    expect(pod.serviceAccountName).toBe(rollout.spec.template.spec.serviceAccountName);
  });

  it("never carries the labels the model's Services, PDB, PodMonitor and policy select server pods by", () => {
    const files = render();
    const labels = objectAt(files, `${DIR}/cronjob-monitor.yaml`).spec.jobTemplate.spec.template.metadata
      .labels;
    const selects = (selector: Record<string, string>) =>
      Object.entries(selector).every(([k, v]) => labels[k] === v);
    for (const name of ["service-stable", "service-canary"])
      expect(selects(objectAt(files, `${DIR}/${name}.yaml`).spec.selector)).toBe(false);
    for (const name of ["pdb", "podmonitor"])
      expect(selects(objectAt(files, `${DIR}/${name}.yaml`).spec.selector.matchLabels)).toBe(false);
    expect(selects(objectAt(files, `${DIR}/networkpolicy.yaml`).spec.podSelector.matchLabels)).toBe(false);
    expect(selects(objectAt(files, `${DIR}/networkpolicy-monitor.yaml`).spec.podSelector.matchLabels)).toBe(
      true,
    );
  });

  it("with monitoring, server pods log every prediction to ClickHouse (sampled when asked) on its port", () => {
    const files = render((c) => {
      c.environments.staging.monitoring = {
        clickhouseSecret: "ch",
        clickhouseSecretKey: "dsn",
        clickhousePort: 8123,
        sample: 0.25,
        schedule: "@hourly",
        window: "90m",
      };
    });
    expect(serverEnv(files)).toMatchObject({
      LOCKSTEP_PREDICTION_LOG: "clickhouse",
      LOCKSTEP_CLICKHOUSE_URL: { secretKeyRef: { name: "ch", key: "dsn" } },
      LOCKSTEP_PREDICTION_LOG_SAMPLE: "0.25",
    });
    const ports = (path: string) => objectAt(files, path).spec.egress[1].ports.map((p: any) => p.port);
    // the store, ClickHouse, and the response cache's Redis (the committed config has one)
    expect(ports(`${DIR}/networkpolicy.yaml`)).toEqual([443, 8123, 6380]);
    expect(ports(`${DIR}/networkpolicy-monitor.yaml`)).toEqual([443, 8123]);
    const cronJob = objectAt(files, `${DIR}/cronjob-monitor.yaml`);
    expect(cronJob.spec.schedule).toBe("@hourly");
    expect(cronJob.spec.jobTemplate.spec.template.spec.containers[0].args).toContain("90m");
  });

  it("renders the replay sample's settings into the server pods where the config sets them", () => {
    const files = render((c) => {
      c.environments.staging.monitoring = {
        clickhouseSecret: "ch",
        replay: { sample: 0.1, maxPerDay: 500, images: true, retentionDays: 7 },
      };
    });
    expect(serverEnv(files)).toMatchObject({
      LOCKSTEP_PREDICTION_LOG: "clickhouse",
      LOCKSTEP_REPLAY_SAMPLE: "0.1",
      LOCKSTEP_REPLAY_MAX_PER_DAY: "500",
      LOCKSTEP_REPLAY_IMAGES: "on",
      LOCKSTEP_REPLAY_RETENTION_DAYS: "7",
    });
    expect(serverEnv(files).LOCKSTEP_REPLAY_MAX_BODY_BYTES).toBeUndefined();
    const args = (f: typeof files) =>
      objectAt(f, `${DIR}/cronjob-monitor.yaml`).spec.jobTemplate.spec.template.spec.containers[0].args;
    // the monitor exports the sample's window to the store, for pull requests' shadow replay
    expect(args(files)).toContain("--replay-export");
    const plain = render((c) => (c.environments.staging.monitoring = { clickhouseSecret: "ch" }));
    expect(Object.keys(serverEnv(plain)).filter((k) => k.startsWith("LOCKSTEP_REPLAY"))).toEqual([]);
    expect(args(plain)).not.toContain("--replay-export");
  });

  it("without monitoring, pods log nothing and no monitor is rendered", () => {
    const files = render((c) => delete c.environments.staging.monitoring);
    expect(files.has(`${DIR}/cronjob-monitor.yaml`)).toBe(false);
    expect(files.has(`${DIR}/networkpolicy-monitor.yaml`)).toBe(false);
    expect(files.get(`${DIR}/kustomization.yaml`)).not.toMatch(/cronjob-monitor|networkpolicy-monitor/);
    expect(serverEnv(files).LOCKSTEP_PREDICTION_LOG).toBeUndefined();
    expect(objectAt(files, `${DIR}/networkpolicy.yaml`).spec.egress[1].ports).toEqual([
      { port: 443, protocol: "TCP" },
      { port: 6380, protocol: "TCP" },
    ]);
  });

  it.each([
    ["a secret that is not a DNS label", { clickhouseSecret: "Click House" }, "/clickhouseSecret"],
    ["no secret", { schedule: "@hourly" }, ""],
    ["a schedule with six fields", { clickhouseSecret: "ch", schedule: "0 0 * * * *" }, "/schedule"],
    ["a schedule with a shell in it", { clickhouseSecret: "ch", schedule: "$(reboot) * * * *" }, "/schedule"],
    ["a zero window", { clickhouseSecret: "ch", window: "0h" }, "/window"],
    ["a window in weeks", { clickhouseSecret: "ch", window: "2w" }, "/window"],
    ["a port out of range", { clickhouseSecret: "ch", clickhousePort: 70000 }, "/clickhousePort"],
    ["a sample of 0", { clickhouseSecret: "ch", sample: 0 }, "/sample"],
    ["a replay sample above 1", { clickhouseSecret: "ch", replay: { sample: 2 } }, "/replay/sample"],
    ["a replay setting it does not know", { clickhouseSecret: "ch", replay: { rate: 1 } }, "/replay"],
    ["a key with a slash", { clickhouseSecret: "ch", clickhouseSecretKey: "a/b" }, "/clickhouseSecretKey"],
    ["an unknown field", { clickhouseSecret: "ch", password: "hunter2" }, ""],
  ])("refuses %s with its pointer", (_, monitoring, pointer) => {
    const pointers = issuesOf((c) => (c.environments.staging.monitoring = monitoring));
    expect(pointers).toContain(`/environments/staging/monitoring${pointer}`);
  });

  it("names a long model's CronJob within 52 characters, distinctly", () => {
    expect(monitorName("co2-forecast")).toBe("co2-forecast-monitor");
    const a = monitorName("a".repeat(48));
    const b = monitorName(`${"a".repeat(47)}b`);
    expect(a.length).toBeLessThanOrEqual(52);
    expect(a).toMatch(/^a+-[0-9a-f]{6}-monitor$/);
    expect(a).not.toBe(b);
  });
});
