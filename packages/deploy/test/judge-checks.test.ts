/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML is read untyped */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { models } from "@lockstep/models";
import {
  classShareTest,
  classShareVerdict,
  valueShiftInterval,
  valueShiftVerdict,
  judgeJson,
  type HistogramWindow,
} from "@lockstep/monitor";
import {
  DeployError,
  renderManifests,
  rolloutAction,
  runAnalysis,
  validateDeployConfig,
  webMeasure,
  webMeasurement,
} from "../src/index.js";
import { committedLock, configWith } from "./fixtures.js";

const JUDGE = "http://lockstep-canary-judge.lockstep-staging.svc:8080";
const known = Object.keys(models);

function template(model: string, edit: (c: any) => void = () => {}): any {
  const config = validateDeployConfig(
    configWith((c) => {
      c.cluster.canaryJudge = JUDGE;
      edit(c);
    }),
    known,
  );
  const { files } = renderManifests(committedLock(), config);
  return parse(files.get(`argocd/envs/staging/${model}/analysistemplate.yaml`)!);
}
const metric = (t: any, name: string) => t.spec.metrics.find((m: any) => m.name === name);
const PHASE = { pass: "Successful", fail: "Failed", inconclusive: "Inconclusive" } as const;

describe("the canary judge in the rendered AnalysisTemplate", () => {
  it("class shares and value shift are web metrics on the judge; the SLO checks stay PromQL", () => {
    const btc = template("btc-signal");
    expect(btc.spec.metrics.map((m: any) => [m.name, Object.keys(m.provider)[0]])).toEqual([
      ["error-ratio", "prometheus"],
      ["p99-latency", "prometheus"],
      ["class-share-shift", "web"],
    ]);
    expect(metric(btc, "class-share-shift").provider.web).toEqual({
      url: `${JUDGE}/v1/canary/btc-signal/class-shares?namespace={{args.namespace}}&canary={{args.canary-hash}}&stable={{args.stable-hash}}&window=2m&min=50`,
      timeoutSeconds: 10,
      jsonPath: "{$}",
    });
    const co2 = metric(template("co2-forecast"), "value-shift");
    expect(co2.provider.web.url).toMatch(/\/v1\/canary\/co2-forecast\/value-shift\?.*&level=0\.99$/);
    expect(co2).toMatchObject({ count: 5, failureLimit: 1, inconclusiveLimit: 1, initialDelay: "2m" });
  });

  it("alpha sets the test's significance and the interval's level", () => {
    const t = template("co2-forecast", (c) => (c.defaults = { canary: { analysis: { alpha: 0.07 } } }));
    expect(metric(t, "value-shift").provider.web.url).toMatch(/&level=0\.93$/);
    const b = template("btc-signal", (c) => (c.defaults = { canary: { analysis: { alpha: 0.07 } } }));
    expect(metric(b, "class-share-shift").failureCondition).toContain("result.pValue < 0.07");
  });

  it("with the judge off the PromQL thresholds remain", () => {
    const config = validateDeployConfig(
      configWith((c) => (c.cluster.canaryJudge = false)),
      known,
    );
    const { files } = renderManifests(committedLock(), config);
    const t = parse(files.get("argocd/envs/staging/btc-signal/analysistemplate.yaml")!);
    expect(metric(t, "class-share-shift").provider.prometheus).toBeDefined();
  });

  it("a judge outside the cluster over plain HTTP is refused", () => {
    expect(() =>
      validateDeployConfig(
        configWith((c) => (c.cluster.canaryJudge = "http://judge.example.com")),
        known,
      ),
    ).toThrow(DeployError);
    expect(() =>
      validateDeployConfig(
        configWith((c) => (c.cluster.canaryJudge = `${JUDGE}/?x=1`)),
        known,
      ),
    ).toThrow(/canaryJudge/);
  });

  it("the rendered conditions give the verdict canary-stats gives, over the judge's JSON", () => {
    const classes = metric(template("btc-signal"), "class-share-shift");
    const thresholds = { alpha: 0.01, maxShift: 0.15, minCount: 50 };
    const tables: [Record<string, number>, Record<string, number>][] = [
      [
        { a: 100, b: 100 },
        { a: 100, b: 100 },
      ], // the same
      [
        { a: 340, b: 260 },
        { a: 220, b: 380 },
      ], // shifted, confirmed
      [
        { a: 34, b: 26 },
        { a: 22, b: 38 },
      ], // shifted, not confirmed
      [
        { a: 52_000, b: 48_000 },
        { a: 50_000, b: 50_000 },
      ], // significant, trivial
      [{ a: 30 }, { a: 300 }], // too few
      [{}, {}], // empty
    ];
    for (const [c, s] of tables) {
      const t = classShareTest(c, s);
      const doc = { check: "class-shares", enough: Math.min(t.n.canary, t.n.stable) >= 50, ...t };
      const m = webMeasurement(classes, { status: 200, body: judgeJson(doc) });
      expect(m.phase, JSON.stringify([c, s])).toBe(PHASE[classShareVerdict(t, thresholds)]);
    }
    const values = metric(template("co2-forecast"), "value-shift");
    const h = (k: number, spread: number, requests: number): HistogramWindow => ({
      buckets: [
        [420 * k - spread, 0],
        [420 * k + spread, 10 * requests],
        [Infinity, 10 * requests],
      ],
      sum: 420 * k * 10 * requests,
      count: 10 * requests,
      requests,
    });
    const pairs: [HistogramWindow, HistogramWindow][] = [
      [h(1, 5, 100), h(1, 5, 100)],
      [h(1.1, 5, 100), h(1, 5, 100)],
      [h(1.03, 120, 60), h(1, 120, 60)], // straddles +0.02
      [h(0.9, 5, 100), h(1, 5, 100)],
      [h(1.1, 5, 10), h(1, 5, 10)], // too few
      [{ buckets: [], sum: 0, count: 0, requests: 0 }, h(1, 5, 100)],
    ];
    const seen = new Set<string>();
    for (const [c, s] of pairs) {
      const i = valueShiftInterval(c, s, 0.99);
      const doc = { check: "value-shift", enough: Math.min(i.n.canary, i.n.stable) >= 50, ...i };
      const m = webMeasurement(values, { status: 200, body: judgeJson(doc) });
      const verdict = valueShiftVerdict(i, { maxShift: 0.02, minCount: 50 });
      seen.add(verdict);
      expect(m.phase, JSON.stringify(doc)).toBe(PHASE[verdict]);
    }
    expect([...seen].sort()).toEqual(["fail", "inconclusive", "pass"]);
  });
});

describe("the canary judge rendered in each environment's namespace", () => {
  const render = (edit: (c: any) => void = () => {}, options = {}) =>
    renderManifests(committedLock(), validateDeployConfig(configWith(edit), known) as any, options).files;

  it("by default: a Deployment, Service and NetworkPolicy beside the namespace; the templates call it", () => {
    const files = render();
    const dir = "argocd/envs/staging/namespace";
    const deployment = parse(files.get(`${dir}/deployment-canary-judge.yaml`)!);
    const container = deployment.spec.template.spec.containers[0];
    expect(container.image).toMatch(/@sha256:[0-9a-f]{64}$/);
    expect(container.args).toEqual(["canary-judge", "--prometheus", "http://prometheus-operated.monitoring.svc:9090", "--port", "8080"]); // prettier-ignore
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true });
    expect(deployment.spec.template.spec.automountServiceAccountToken).toBe(false);
    const policy = parse(files.get(`${dir}/networkpolicy-canary-judge.yaml`)!);
    expect(policy.spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "argocd" } } }], ports: [{ port: 8080, protocol: "TCP" }] }, // prettier-ignore
    ]);
    expect(policy.spec.egress[1]).toEqual({
      to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
      ports: [{ port: 9090, protocol: "TCP" }],
    });
    expect(parse(files.get(`${dir}/kustomization.yaml`)!).resources).toEqual(
      expect.arrayContaining(["deployment-canary-judge.yaml", "service-canary-judge.yaml", "networkpolicy-canary-judge.yaml"]), // prettier-ignore
    );
    const t = parse(files.get("argocd/envs/production/btc-signal/analysistemplate.yaml") ?? files.get("argocd/envs/staging/btc-signal/analysistemplate.yaml")!); // prettier-ignore
    expect(metric(t, "class-share-shift").provider.web.url).toMatch(
      /^http:\/\/lockstep-canary-judge\.lockstep-(staging|production)\.svc:8080\/v1\/canary\/btc-signal\/class-shares\?/,
    );
    // the project admits the Deployment
    const project = parse(files.get("argocd/bootstrap/appproject.yaml")!);
    expect(project.spec.namespaceResourceWhitelist).toContainEqual({ group: "apps", kind: "Deployment" });
  });

  it("not in a held render, nor when a URL names another judge or the judge is off", () => {
    const held = render((c) => (c.image.digest = `sha256:${"0".repeat(64)}`), { dryRun: true });
    expect([...held.keys()].some((k) => k.includes("canary-judge"))).toBe(false);
    const other = render((c) => (c.cluster.canaryJudge = JUDGE));
    expect([...other.keys()].some((k) => k.includes("canary-judge"))).toBe(false);
    const off = render((c) => (c.cluster.canaryJudge = false));
    expect([...off.keys()].some((k) => k.includes("canary-judge"))).toBe(false);
    expect(off.get("argocd/envs/staging/co2-forecast/analysistemplate.yaml")).not.toContain("web:");
  });
});

describe("a judge that cannot answer", () => {
  it("is an Error measurement each time; past consecutiveErrorLimit the analysis errs and the rollout aborts", async () => {
    const m = metric(template("co2-forecast"), "value-shift");
    const refused = { ...m, provider: { web: { ...m.provider.web, url: m.provider.web.url.replace(JUDGE, "http://127.0.0.1:1") } } }; // prettier-ignore
    let t = 1_700_000_000_000;
    const report = await runAnalysis({
      metrics: [refused],
      args: { "canary-hash": "c1", "stable-hash": "s1", namespace: "lockstep-staging" },
      measure: (x: any) => webMeasure(x),
      now: () => t,
      sleep: async (ms: number) => void (t += ms),
    });
    const measured = report.metrics[0]!;
    expect(measured.measurements.every((x) => x.phase === "Error" && x.value === "")).toBe(true);
    expect(measured.measurements.length).toBe(5); // the default consecutiveErrorLimit 4, exceeded
    expect(report.phase).toBe("Error");
    expect(rolloutAction(report.phase)).toBe("abort");
  });
});
