/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML and the judge's JSON are read untyped */
// The class-share check judged as in the cluster: btc-signal's stable pin and a canary behind a weighted
// split, scraped by a real Prometheus as the rendered PodMonitor asks, the rendered AnalysisTemplate's
// class-share-shift metric measured by the canary judge over that Prometheus (called as Argo's web
// provider calls it) and the verdict taken by the port of Argo Rollouts' assessment. Seconds, not minutes.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { parse } from "yaml";
import { emptyLock, type LockFile } from "@lockstep/lockfile";
import { btc, models } from "@lockstep/models";
import { startCanaryJudge } from "@lockstep/monitor";
import {
  parseDeployConfig,
  prometheusMeasurement,
  renderManifests,
  rolloutAction,
  runAnalysis,
  webMeasure,
  type AnalysisRunReport,
} from "@lockstep/deploy";
import { startServer, trainInto } from "../../apps/inference/test/fixture.js";
import { committedConfigText } from "../../packages/deploy/test/fixtures.js";
import { describeWith, itWith } from "../../packages/deploy/test/tools.js";
import { startPrometheus, type PodTarget, type RunningPrometheus } from "./prometheus.js";
import { steadyTraffic, weightedSplit } from "./traffic.js";

const MODEL = "btc-signal";
const PATH = `/v1/models/${MODEL}/predict`;
const BODIES = [1, 2, 3, 4, 5, 6].map((seed) => ({ candles: btc.syntheticCandles(160, seed) }));
const ANALYSIS = { interval: "2s", count: 4, window: "10s", minRequests: 20, p99Seconds: 2, inconclusiveLimit: 1 }; // prettier-ignore
const JUDGE = "http://lockstep-canary-judge.harness.svc:8080";

type Scenario = "healthy" | "shifted" | "thin";
const SCENARIOS: Scenario[] = ["healthy", "shifted", "thin"];
const TRAFFIC: Record<Scenario, number> = { healthy: 24, shifted: 24, thin: 2 };

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

/** A canary whose new code relabels every other signal as the next class: its class shares move. */
function relabellingSpecs() {
  const spec = models[MODEL]!;
  const serving = spec.serving as any;
  const classes = ["buy", "hold", "sell"];
  let n = 0;
  return {
    [MODEL]: {
      ...spec,
      serving: {
        ...serving,
        encode(outputs: unknown, card: unknown, context: unknown) {
          const answer = serving.encode(outputs, card, context);
          if (n++ % 2 === 0) answer.signal = classes[(classes.indexOf(String(answer.signal)) + 1) % 3];
          return answer;
        },
      },
    },
  } as any;
}

describeWith("prometheus")(
  "the class-share check, against real servers, a real Prometheus and the judge",
  () => {
    const reports = new Map<Scenario, AnalysisRunReport>();
    const cleanup: (() => Promise<unknown> | unknown)[] = [];
    let prometheus: RunningPrometheus;

    beforeAll(async () => {
      const dir = await mkdtemp(join(tmpdir(), "lockstep-canary-classes-"));
      const stable = await trainInto(dir, emptyLock(), MODEL);
      const { template, podMonitor } = rendered(stable.lock);
      const quiet = { cache: { kind: "off" as const } };
      const targets: PodTarget[] = [];
      const sides = {} as Record<Scenario, { stable: string; canary: string }>;
      for (const scenario of SCENARIOS) {
        const base = await startServer(stable.lock, dir, { config: quiet });
        const canary = await startServer(stable.lock, dir, {
          config: quiet,
          ...(scenario === "healthy" ? {} : { specs: relabellingSpecs() }),
        });
        await Promise.all([base.waitReady(), canary.waitReady()]);
        cleanup.push(
          () => base.server.shutdown(0),
          () => canary.server.shutdown(0),
        );
        sides[scenario] = { stable: base.url, canary: canary.url };
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
      const judge = await startCanaryJudge({
        prometheus: prometheus.url,
        models: { [MODEL]: { classes: true } },
      });
      cleanup.push(() => judge.close());
      for (const scenario of SCENARIOS) {
        const split = await weightedSplit(sides[scenario].stable, sides[scenario].canary, 50);
        const client = steadyTraffic(split.url, PATH, BODIES, TRAFFIC[scenario]);
        cleanup.push(
          () => split.close(),
          () => client.stop(),
        );
      }
      // the class-share metric alone: the SLO metrics are the other harness's subject
      const metrics = template.spec.metrics.filter((m: any) => m.name === "class-share-shift");
      expect(metrics.length).toBe(1);
      const measure = async (metric: any) => {
        if (!metric.provider.web) {
          const { status, body } = await prometheus.query(metric.provider.prometheus.query);
          return prometheusMeasurement(metric, body, status);
        }
        const url = metric.provider.web.url.replace(JUDGE, judge.url);
        return webMeasure({ ...metric, provider: { web: { ...metric.provider.web, url } } });
      };
      await Promise.all(
        SCENARIOS.map(async (scenario) => {
          const args = {
            "canary-hash": `canary${scenario}`,
            "stable-hash": `stable${scenario}`,
            namespace: `harness-${scenario}`,
          };
          reports.set(scenario, await runAnalysis({ metrics, args, measure }));
        }),
      );
      for (const scenario of SCENARIOS) {
        const report = reports.get(scenario)!;
        console.log(
          `class-share harness ${scenario}: ${report.phase}` +
          report.metrics.map((m) => `\n  ${m.name} ${m.phase}: ${m.measurements.map((x) => `${x.phase}(${x.value})`).join(" ")}`).join(""), // prettier-ignore
        );
      }
    }, 240_000);

    afterAll(async () => {
      for (const step of cleanup.reverse()) await step();
    });

    const judged = (scenario: Scenario) =>
      reports.get(scenario)!.metrics[0]!.measurements.map((m) => JSON.parse(m.value));

    itWith("prometheus")(
      "the same pin on both sides: class-share-shift Successful, p-values recorded",
      () => {
        expect(reports.get("healthy")!.phase).toBe("Successful");
        for (const m of judged("healthy")) {
          expect(m).toMatchObject({ check: "class-shares", test: "chi-square", enough: true });
          expect(m.effect).toBeLessThanOrEqual(0.15);
          expect(m.pValue).toBeGreaterThan(0);
        }
      },
    );

    itWith("prometheus")(
      "a canary relabelling half its signals: Failed on a significant, large shift",
      () => {
        expect(reports.get("shifted")!.phase).toBe("Failed");
        expect(rolloutAction("Failed")).toBe("abort");
        const failed = judged("shifted").at(-1)!;
        expect(failed.enough).toBe(true);
        expect(failed.effect).toBeGreaterThan(0.15);
        expect(failed.pValue).toBeLessThan(0.01);
      },
    );

    itWith("prometheus")("the same canary at too little traffic: Inconclusive, the rollout pauses", () => {
      expect(reports.get("thin")!.phase).toBe("Inconclusive");
      expect(rolloutAction("Inconclusive")).toBe("pause");
      for (const m of judged("thin")) expect(m.enough).toBe(false);
    });
  },
);
