/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML and Prometheus JSON are read untyped */
// The canary analysis judged as it will be in the cluster: two real Lockstep servers (the stable pin
// and a canary) behind a weighted split, scraped by a real Prometheus relabelled as the rendered
// PodMonitor asks, the rendered AnalysisTemplate's queries run against it (the statistical checks through
// the canary judge over that Prometheus, called as Argo's web provider calls it), and the verdict taken
// by the port of Argo Rollouts' assessment (packages/deploy/src/rollouts). Intervals are seconds, by
// configuration: the template is rendered with a short interval, window and delay.
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { parse } from "yaml";
import { emptyLock, type LockFile } from "@lockstep/lockfile";
import { models } from "@lockstep/models";
import { startCanaryJudge } from "@lockstep/monitor";
import {
  parseDeployConfig,
  prometheusMeasurement,
  renderManifests,
  rolloutAction,
  runAnalysis,
  webMeasure,
  type AnalysisRunReport,
  type Metric,
} from "@lockstep/deploy";
import { startServer, trainInto } from "../../apps/inference/test/fixture.js";
import { committedConfigText } from "../../packages/deploy/test/fixtures.js";
import { describeWith, itWith } from "../../packages/deploy/test/tools.js";
import { startPrometheus, type PodTarget, type RunningPrometheus } from "./prometheus.js";
import { steadyTraffic, weightedSplit } from "./traffic.js";

const MODEL = "co2-forecast";
const PATH = `/v1/models/${MODEL}/predict`;
const BODIES = [{ horizon: 3 }, { horizon: 6 }, { horizon: 12 }];
/** The analysis, scaled from minutes to seconds; everything else as rendered for staging. */
const ANALYSIS = {
  interval: "2s",
  count: 4,
  window: "10s",
  minRequests: 20,
  p99Seconds: 2,
  inconclusiveLimit: 1,
};

/** Where the rendered template calls the judge; the harness answers it from a loopback judge. */
const JUDGE = "http://lockstep-canary-judge.harness.svc:8080";

type Scenario = "healthy" | "errors" | "shifted" | "thin" | "silent";
const SCENARIOS: Scenario[] = ["healthy", "errors", "shifted", "thin", "silent"];
/** Requests a second through each split: the thin one's canary sees ~10 a window, under minRequests. */
const TRAFFIC: Partial<Record<Scenario, number>> = { healthy: 24, errors: 24, shifted: 24, thin: 2 };

/** The rendered AnalysisTemplate and PodMonitor of co2-forecast in staging, with the short analysis. */
function rendered(lock: LockFile): { template: any; podMonitor: any } {
  const config = JSON.parse(committedConfigText());
  config.image.digest = `sha256:${"1".repeat(64)}`;
  config.defaults = { ...config.defaults, canary: { analysis: ANALYSIS } };
  config.cluster = { ...config.cluster, canaryJudge: JUDGE };
  const { files } = renderManifests(lock, parseDeployConfig(JSON.stringify(config), Object.keys(models)));
  const dir = `argocd/envs/staging/${MODEL}`;
  return {
    template: parse(files.get(`${dir}/analysistemplate.yaml`)!),
    podMonitor: parse(files.get(`${dir}/podmonitor.yaml`)!),
  };
}

/** A canary whose new code fails on some requests: every horizon-3 forecast answers 500. */
function failingSpecs() {
  const spec = models[MODEL]!;
  const serving = spec.serving as any;
  return {
    [MODEL]: {
      ...spec,
      serving: {
        ...serving,
        encode(outputs: unknown, card: unknown, context: { horizon: number }) {
          if (context.horizon === 3) throw new Error("the canary's bug");
          return serving.encode(outputs, card, context);
        },
      },
    },
  } as any;
}

/** The vega-datasets series with every value 10 % higher: a pin trained on it forecasts ~10 % higher. */
async function shiftedData(dir: string): Promise<string> {
  const text = await readFile(
    join(import.meta.dirname, "../../node_modules/vega-datasets/data/co2-concentration.csv"),
    "utf8",
  );
  const lines = text.trim().split("\n");
  const shifted = lines.slice(1).map((line) => {
    const [date, co2, adjusted] = line.split(",");
    return [date, (Number(co2) * 1.1).toFixed(2), (Number(adjusted) * 1.1).toFixed(2)].join(",");
  });
  const path = join(dir, "co2-shifted.csv");
  await writeFile(path, [lines[0], ...shifted].join("\n"));
  return path;
}

describeWith("prometheus")("the canary analysis, against real servers and a real Prometheus", () => {
  const reports = new Map<Scenario, AnalysisRunReport>();
  const cleanup: (() => Promise<unknown> | unknown)[] = [];
  let prometheus: RunningPrometheus;
  let template: any;
  let previous: AnalysisRunReport;

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), "lockstep-canary-"));
    const stable = await trainInto(dir, emptyLock(), MODEL);
    const other = await trainInto(dir, emptyLock(), MODEL, {}, await shiftedData(dir));
    const { podMonitor, ...rest } = rendered(stable.lock);
    template = rest.template;
    const quiet = { cache: { kind: "off" as const } };
    const targets: PodTarget[] = [];
    const sides: Record<Scenario, { stable: string; canary: string }> = {} as any;
    for (const scenario of SCENARIOS) {
      const base = await startServer(stable.lock, dir, { config: quiet });
      const canary =
        scenario === "shifted" || scenario === "thin"
          ? await startServer(other.lock, dir, { config: quiet })
          : await startServer(stable.lock, dir, {
              config: quiet,
              ...(scenario === "errors" ? { specs: failingSpecs() } : {}),
            });
      await Promise.all([base.waitReady(), canary.waitReady()]);
      cleanup.push(
        () => base.server.shutdown(0),
        () => canary.server.shutdown(0),
      );
      sides[scenario] = { stable: base.url, canary: canary.url };
      // as the pods' labels would be: one pod-template hash per side, the scenario as the namespace
      for (const [side, url] of [
        ["stable", base.url],
        ["canary", canary.url],
      ] as const)
        targets.push({
          address: new URL(url).host,
          namespace: `harness-${scenario}`,
          pod: `${MODEL}-${side}-${scenario}`,
          labels: {
            "rollouts-pod-template-hash": `${side}${scenario}`,
            "lockstep.dev/environment": "staging",
            "lockstep.dev/model": MODEL,
          },
        });
    }
    prometheus = await startPrometheus(targets, podMonitor);
    cleanup.push(() => prometheus.stop());
    const observe = models[MODEL]!.serving.observe;
    const judge = await startCanaryJudge({
      prometheus: prometheus.url,
      models: { [MODEL]: { classes: !!observe?.classes, valueMetric: observe?.values?.metric } },
    });
    cleanup.push(() => judge.close());
    for (const scenario of SCENARIOS.filter((s) => s !== "silent")) {
      const split = await weightedSplit(sides[scenario].stable, sides[scenario].canary, 50);
      const client = steadyTraffic(split.url, PATH, BODIES, TRAFFIC[scenario]!);
      cleanup.push(
        () => split.close(),
        () => client.stop(),
      );
    }
    const metrics: Metric[] = template.spec.metrics;
    // a measurement is the metric's query answered by this Prometheus, read as Argo Rollouts reads it
    const measure = async (metric: any) => {
      if (metric.provider.web) {
        // the judge's Service name resolves to the loopback judge, as cluster DNS would to its pod
        const url = metric.provider.web.url.replace(JUDGE, judge.url);
        return webMeasure({ ...metric, provider: { web: { ...metric.provider.web, url } } });
      }
      const { status, body } = await prometheus.query(metric.provider.prometheus.query);
      return prometheusMeasurement(metric, body, status);
    };
    const args = (scenario: Scenario) => ({
      "canary-hash": `canary${scenario}`,
      "stable-hash": `stable${scenario}`,
      namespace: `harness-${scenario}`,
    });
    // the four analyses run at once, as four rollouts would
    await Promise.all([
      ...SCENARIOS.map(async (scenario) =>
        reports.set(scenario, await runAnalysis({ metrics, args: args(scenario), measure })),
      ),
      // the template as rendered before (inconclusiveLimit = count), over the same silence
      runAnalysis({
        metrics: metrics.map((m) => ({ ...m, inconclusiveLimit: m.count })),
        args: args("silent"),
        measure,
      }).then((report) => (previous = report)),
    ]);
    for (const scenario of SCENARIOS) {
      const report = reports.get(scenario)!;
      console.log(
        `canary harness ${scenario}: ${report.phase}` +
          report.metrics
            .map(
              (m) =>
                `\n  ${m.name} ${m.phase}: ${m.measurements.map((x) => `${x.phase}(${x.value || "-"})`).join(" ")}`,
            )
            .join(""),
      );
    }
  }, 240_000);

  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  const phase = (scenario: Scenario, metric: string) =>
    reports.get(scenario)!.metrics.find((m) => m.name === metric)!.phase;
  /** The judge's JSON each measurement recorded (the web provider's value). */
  const judged = (scenario: Scenario, metric: string) =>
    reports
      .get(scenario)!
      .metrics.find((m) => m.name === metric)!
      .measurements.map((m) => JSON.parse(m.value));

  itWith("prometheus")(
    "a healthy canary: every metric measured and passing, the analysis Successful, the rollout goes on",
    () => {
      const report = reports.get("healthy")!;
      expect(report.metrics.map((m) => [m.name, m.phase])).toEqual(
        template.spec.metrics.map((m: any) => [m.name, "Successful"]),
      );
      expect(report.phase).toBe("Successful");
      expect(rolloutAction(report.phase)).toBe("continue");
      // each measurement recorded its interval: within ±valueShift, from at least minRequests a side
      for (const m of judged("healthy", "value-shift")) {
        expect(m).toMatchObject({ check: "value-shift", enough: true, level: 0.99 });
        expect(m.low).toBeGreaterThanOrEqual(-0.02);
        expect(m.high).toBeLessThanOrEqual(0.02);
        expect(Math.min(m.n.canary, m.n.stable)).toBeGreaterThanOrEqual(ANALYSIS.minRequests);
      }
    },
  );

  itWith("prometheus")(
    "a canary answering 5xx: error-ratio Failed, the analysis Failed, the rollout aborts",
    () => {
      expect(phase("errors", "error-ratio")).toBe("Failed");
      const failed = reports.get("errors")!.metrics.find((m) => m.name === "error-ratio")!;
      expect(Number(failed.measurements.at(-1)!.value.replace(/[[\]]/g, ""))).toBeGreaterThan(0.1);
      expect(reports.get("errors")!.phase).toBe("Failed");
      expect(rolloutAction("Failed")).toBe("abort");
    },
  );

  itWith("prometheus")(
    "a canary whose forecasts shift (another pin): value-shift Failed, the rollout aborts",
    () => {
      expect(phase("shifted", "value-shift")).toBe("Failed");
      expect(phase("shifted", "error-ratio")).not.toBe("Failed");
      expect(reports.get("shifted")!.phase).toBe("Failed");
      // the failing measurement's whole interval lies above +valueShift (the pin forecasts ~10 % higher)
      const failed = judged("shifted", "value-shift").at(-1)!;
      expect(failed.enough).toBe(true);
      expect(failed.low).toBeGreaterThan(0.02);
      expect(failed.shift).toBeGreaterThan(0.05);
    },
  );

  itWith("prometheus")(
    "the same shifted canary at too little traffic: value-shift Inconclusive, the rollout pauses, never a pass",
    () => {
      const report = reports.get("thin")!;
      expect(phase("thin", "value-shift")).toBe("Inconclusive");
      for (const m of judged("thin", "value-shift")) {
        expect(m.enough).toBe(false);
        expect(Math.min(m.n.canary, m.n.stable)).toBeLessThan(ANALYSIS.minRequests);
      }
      expect(report.phase).toBe("Inconclusive");
      expect(rolloutAction(report.phase)).toBe("pause");
    },
  );

  itWith("prometheus")(
    "no traffic: every measurement empty, the analysis Inconclusive, the rollout pauses",
    () => {
      const report = reports.get("silent")!;
      for (const metric of report.metrics) {
        expect(metric.phase, metric.name).toBe("Inconclusive");
        // an empty PromQL answer, or the judge's "not enough" with no request on either side
        const empty = (value: string) =>
          value === "[]" || (JSON.parse(value).enough === false && JSON.parse(value).n.canary === 0);
        expect(
          metric.measurements.every((m) => m.phase === "Inconclusive" && empty(m.value)),
          metric.name,
        ).toBe(true);
      }
      expect(report.phase).toBe("Inconclusive");
      expect(rolloutAction(report.phase)).toBe("pause");
    },
  );

  itWith("prometheus")(
    "the previous template (inconclusiveLimit = count) promoted that silent canary unchecked",
    () => {
      expect(previous.metrics.every((m) => m.measurements.every((x) => x.phase === "Inconclusive"))).toBe(
        true,
      );
      expect(previous.phase).toBe("Successful");
      expect(rolloutAction(previous.phase)).toBe("continue");
    },
  );
});
