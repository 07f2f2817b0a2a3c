// The canary judge against a loopback stand-in for Prometheus that answers canned vectors and records
// every query (the real Prometheus is in test/canary/canary-harness.test.ts).
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  judge,
  judgeJson,
  startCanaryJudge,
  type CanaryJudgeOptions,
  type RunningJudge,
} from "../src/canary-judge.js";

type Vector = { metric: Record<string, string>; value: [number, string] }[];
let answer: (query: string) => { status: number; body: string } = () => ({ status: 200, body: "" });
const queries: string[] = [];
let prometheus: Server;
let options: CanaryJudgeOptions;

const vector = (v: Vector) => ({ status: 200, body: JSON.stringify({ status: "success", data: { resultType: "vector", result: v } }) }); // prettier-ignore
const sample = (metric: Record<string, string>, v: number) => ({ metric, value: [1, String(v)] as [number, string] }); // prettier-ignore
const BASE = "namespace=lockstep-staging&canary=abc123&stable=def456&window=2m&min=50";

beforeAll(async () => {
  prometheus = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const q = new URLSearchParams(body).get("query") ?? "";
      queries.push(q);
      const a = answer(q);
      res.writeHead(a.status, { "content-type": "application/json" });
      res.end(a.body);
    });
  });
  await new Promise<void>((resolve) => prometheus.listen(0, "127.0.0.1", resolve));
  const { port } = prometheus.address() as { port: number };
  options = {
    prometheus: `http://127.0.0.1:${port}`,
    models: { "btc-signal": { classes: true }, "co2-forecast": { valueMetric: "forecast_value_ppm" } },
  };
});
afterAll(() => prometheus.close());
beforeEach(() => {
  queries.length = 0;
});

const get = (path: string) => judge(options, "GET", path);

describe("the canary judge refuses bad requests before any query", () => {
  const refused: [string, number, string][] = [
    [`/v1/canary/btc-signal/class-shares?${BASE}&extra=1`, 400, "PARAM_INVALID"],
    [`/v1/canary/btc-signal/class-shares?${BASE}&min=5`, 400, "PARAM_INVALID"], // twice
    [`/v1/canary/btc-signal/class-shares?${BASE.replace("lockstep-staging", encodeURIComponent('a"} or vector(1) #'))}`, 400, "PARAM_INVALID"], // prettier-ignore
    [`/v1/canary/btc-signal/class-shares?${BASE.replace("abc123", "abc%22%7D")}`, 400, "PARAM_INVALID"],
    [`/v1/canary/btc-signal/class-shares?${BASE.replace("2m", "1y")}`, 400, "PARAM_INVALID"],
    [`/v1/canary/btc-signal/class-shares?${BASE.replace("2m", "25h")}`, 400, "PARAM_INVALID"],
    [`/v1/canary/btc-signal/class-shares?${BASE.replace("min=50", "min=99999999999")}`, 400, "PARAM_INVALID"],
    [`/v1/canary/co2-forecast/value-shift?${BASE}&level=1.5`, 400, "PARAM_INVALID"],
    [`/v1/canary/co2-forecast/value-shift?${BASE}&level=0.1`, 400, "PARAM_INVALID"],
    [`/v1/canary/btc-signal/class-shares?namespace=lockstep-staging`, 400, "PARAM_INVALID"], // missing
    [`/v1/canary/btc-signal/class-shares?${BASE}&${"x".repeat(3000)}=1`, 414, "URI_TOO_LONG"],
    [`/v1/canary/nope/class-shares?${BASE}`, 404, "MODEL_UNKNOWN"],
    [`/v1/canary/__proto__/class-shares?${BASE}`, 404, "MODEL_UNKNOWN"],
    [`/v1/canary/%E0%A4%A/class-shares?${BASE}`, 400, "PARAM_INVALID"],
    [`/v1/canary/co2-forecast/class-shares?${BASE}`, 404, "CHECK_UNSUPPORTED"],
    [`/v1/canary/btc-signal/value-shift?${BASE}`, 404, "CHECK_UNSUPPORTED"],
    [`/v1/canary/btc-signal/verdict?${BASE}`, 404, "NOT_FOUND"],
    [`/metrics`, 404, "NOT_FOUND"],
  ];
  it.each(refused)("%s → %i %s", async (path, status, code) => {
    const a = await get(path);
    expect(a.status).toBe(status);
    expect(a.body).toMatchObject({ code });
    expect(queries).toEqual([]);
  });

  it("only GET", async () => {
    expect(await judge(options, "POST", `/v1/canary/btc-signal/class-shares?${BASE}`)).toMatchObject({ status: 405 }); // prettier-ignore
  });
});

describe("the canary judge's statistics from Prometheus's counts", () => {
  it("class shares: both sides' counts by class, a chi-square test, the n and whether it is enough", async () => {
    answer = (q) =>
      vector(
        q.includes('"abc123"')
          ? [sample({ class: "buy" }, 300), sample({ class: "sell" }, 100), sample({ class: "hold" }, 100)]
          : [sample({ class: "buy" }, 100), sample({ class: "sell" }, 100), sample({ class: "hold" }, 300)],
      );
    const a = await get(`/v1/canary/btc-signal/class-shares?${BASE}`);
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({
      check: "class-shares",
      enough: true,
      df: 2,
      n: { canary: 500, stable: 500 },
    });
    expect((a.body as { pValue: number }).pValue).toBeLessThan(1e-10);
    expect((a.body as { effect: number }).effect).toBeCloseTo(0.4, 9);
    expect(queries.sort()).toEqual([
      'sum by (class) (increase(lockstep_predictions_total{namespace="lockstep-staging",rollouts_pod_template_hash="abc123",model="btc-signal"}[2m]))',
      'sum by (class) (increase(lockstep_predictions_total{namespace="lockstep-staging",rollouts_pod_template_hash="def456",model="btc-signal"}[2m]))',
    ]);
  });

  it("an empty window: not enough, p = 1, nothing is called a pass by the judge", async () => {
    answer = () => vector([]);
    const a = await get(`/v1/canary/btc-signal/class-shares?${BASE}`);
    expect(a.body).toMatchObject({ enough: false, pValue: 1, n: { canary: 0, stable: 0 } });
    const v = await get(`/v1/canary/co2-forecast/value-shift?${BASE}`);
    expect(v.body).toMatchObject({ enough: false, n: { canary: 0, stable: 0 } });
    // the unknown shift and unbounded interval are null in JSON, never NaN or Infinity
    expect(JSON.parse(judgeJson(v.body))).toMatchObject({ shift: null, low: null, high: null });
  });

  it("value shift: the histogram's buckets, sum and count and the requests, per side", async () => {
    answer = (q) => {
      const canary = q.includes('"abc123"');
      const k = canary ? 1.1 : 1;
      if (q.startsWith("sum by (le)"))
        return vector([sample({ le: "420" }, 0), sample({ le: canary ? "480" : "430" }, 600), sample({ le: "+Inf" }, 600)]); // prettier-ignore
      if (q.includes("_sum")) return vector([sample({}, 600 * 425 * k)]);
      if (q.includes("_count")) return vector([sample({}, 600)]);
      return vector([sample({}, 100)]);
    };
    const a = await get(`/v1/canary/co2-forecast/value-shift?${BASE}&level=0.99`);
    expect(a.status).toBe(200);
    const body = a.body as { shift: number; low: number; high: number; n: unknown; enough: boolean };
    expect(body.shift).toBeCloseTo(0.1, 9);
    expect(body.low).toBeGreaterThan(0.02);
    expect(body).toMatchObject({ enough: true, n: { canary: 100, stable: 100 }, level: 0.99 });
    expect(queries.some((q) => q.includes('lockstep_forecast_value_ppm_bucket{namespace="lockstep-staging",rollouts_pod_template_hash="abc123",model="co2-forecast"}[2m]'))).toBe(true); // prettier-ignore
  });

  it("Prometheus down, failing or answering nonsense: 502, never a verdict", async () => {
    for (const bad of [
      { status: 500, body: "{}" },
      { status: 200, body: "<html>" },
      { status: 200, body: JSON.stringify({ status: "error", error: "parse error" }) },
      {
        status: 200,
        body: JSON.stringify({ status: "success", data: { resultType: "matrix", result: [] } }),
      },
      vector(Array.from({ length: 1001 }, (_, i) => sample({ class: `c${i}` }, 1))),
    ]) {
      answer = () => bad;
      const a = await get(`/v1/canary/btc-signal/class-shares?${BASE}`);
      expect(a.status, bad.body.slice(0, 40)).toBe(502);
      expect(a.body).toMatchObject({ code: "PROMETHEUS_FAILED" });
    }
    const gone = await judge({ ...options, prometheus: "http://127.0.0.1:1" }, "GET", `/v1/canary/btc-signal/class-shares?${BASE}`); // prettier-ignore
    expect(gone).toMatchObject({ status: 502, body: { code: "PROMETHEUS_FAILED" } });
  });
});

describe("the judge as an HTTP service", () => {
  let running: RunningJudge;
  beforeAll(async () => {
    running = await startCanaryJudge({ ...options, port: 0 });
  });
  afterAll(() => running.close());

  it("answers JSON with its status, for good and bad requests alike", async () => {
    answer = () => vector([]);
    const ok = await fetch(`${running.url}/v1/canary/btc-signal/class-shares?${BASE}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toBe("application/json");
    expect(await ok.json()).toMatchObject({ enough: false });
    const bad = await fetch(`${running.url}/v1/canary/nope/class-shares?${BASE}`, { method: "GET" });
    expect(bad.status).toBe(404);
    expect(await bad.json()).toEqual({ error: 'unknown model "nope"', code: "MODEL_UNKNOWN" });
    const health = await fetch(`${running.url}/healthz`);
    expect(await health.json()).toEqual({ ok: true });
  });
});
