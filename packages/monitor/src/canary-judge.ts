import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import {
  classShareTest,
  valueShiftInterval,
  type ClassShareTest,
  type HistogramWindow,
  type ValueShiftInterval,
} from "./canary-stats.js";

/*
 * The canary judge: a small HTTP service Argo Rollouts' web provider calls once per measurement. It asks
 * Prometheus for both sides' counts in the window and answers the statistics (canary-stats.ts) as JSON;
 * the AnalysisTemplate's conditions hold the thresholds, so the rendered template shows the rule and the
 * recorded measurement shows the p-value or interval. Every parameter goes into PromQL, so each is
 * checked against a strict pattern first; a bad one is a 400, never a query.
 */

/** The Prometheus label the PodMonitor copies from the pods' rollouts-pod-template-hash (packages/deploy queries.ts). */
export const HASH_LABEL = "rollouts_pod_template_hash";
export const MAX_URL_BYTES = 2048;
export const MAX_CLASSES = 1000;

/** What the judge needs of a model: whether it counts classes, and the histogram of its values. */
export interface JudgedModel {
  classes?: boolean;
  /** The value histogram's name without the lockstep_ prefix (the spec's observe.values.metric). */
  valueMetric?: string;
}

export interface CanaryJudgeOptions {
  /** Prometheus's base URL (the cluster's prometheusAddress). */
  prometheus: string;
  models: Readonly<Record<string, JudgedModel>>;
  /** Each Prometheus query's budget; below the web provider's 10 s default. Default 5000. */
  queryTimeoutMs?: number;
}

type Check = "class-shares" | "value-shift";
export type JudgeErrorCode =
  | "NOT_FOUND"
  | "METHOD_NOT_ALLOWED"
  | "URI_TOO_LONG"
  | "PARAM_INVALID"
  | "MODEL_UNKNOWN"
  | "CHECK_UNSUPPORTED"
  | "PROMETHEUS_FAILED";

/** A request the judge refuses, or a Prometheus it cannot read: the status and a code. */
export class JudgeError extends Error {
  override readonly name = "JudgeError";
  constructor(
    readonly status: number,
    readonly code: JudgeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

interface Params {
  namespace: string;
  canary: string;
  stable: string;
  window: string;
  min: number;
  level: number;
}

const PARAMS: Readonly<Record<string, RegExp>> = {
  namespace: /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, // DNS-1123 label
  canary: /^[a-z0-9]{1,63}$/, // a pod-template hash
  stable: /^[a-z0-9]{1,63}$/,
  window: /^[1-9][0-9]{0,4}(s|m|h)$/,
  min: /^[1-9][0-9]{0,8}$/,
  level: /^0\.[0-9]{1,6}$/,
};
const SECONDS = { s: 1, m: 60, h: 3600 } as const;

/** Check a request's query string; every parameter once, none unknown, each by its pattern. */
export function judgeParams(search: URLSearchParams): Params {
  const bad = (message: string) => new JudgeError(400, "PARAM_INVALID", message);
  const seen = new Map<string, string>();
  for (const [key, value] of search) {
    if (!Object.hasOwn(PARAMS, key)) throw bad(`unknown parameter "${key.slice(0, 40)}"`);
    if (seen.has(key)) throw bad(`parameter "${key}" given twice`);
    if (!PARAMS[key]!.test(value)) throw bad(`parameter "${key}" is not valid: ${JSON.stringify(value.slice(0, 80))}`); // prettier-ignore
    seen.set(key, value);
  }
  for (const key of ["namespace", "canary", "stable", "window"])
    if (!seen.has(key)) throw bad(`parameter "${key}" is required`);
  const window = seen.get("window")!;
  if (Number(window.slice(0, -1)) * SECONDS[window.at(-1) as keyof typeof SECONDS] > 86_400)
    throw bad(`window ${window} is longer than a day`);
  const level = Number(seen.get("level") ?? "0.99");
  if (!(level >= 0.5)) throw bad(`level ${level} is below 0.5`);
  return {
    namespace: seen.get("namespace")!,
    canary: seen.get("canary")!,
    stable: seen.get("stable")!,
    window,
    min: Number(seen.get("min") ?? "50"),
    level,
  };
}

/** Instant query; a vector answer as [labels, value] pairs. */
async function query(
  options: CanaryJudgeOptions,
  promql: string,
): Promise<[Record<string, string>, number][]> {
  const failed = (why: string) => new JudgeError(502, "PROMETHEUS_FAILED", `Prometheus: ${why}`);
  let response: Response;
  try {
    response = await fetch(new URL("/api/v1/query", options.prometheus), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ query: promql }),
      signal: AbortSignal.timeout(options.queryTimeoutMs ?? 5000),
    });
  } catch (error) {
    throw failed((error as Error).message);
  }
  const text = await response.text().catch(() => "");
  let doc: { status?: string; error?: string; data?: { resultType?: string; result?: unknown } };
  try {
    doc = JSON.parse(text);
  } catch {
    throw failed(`HTTP ${response.status}, not JSON`);
  }
  if (!response.ok || doc.status !== "success") throw failed(`HTTP ${response.status}: ${String(doc.error ?? doc.status).slice(0, 200)}`); // prettier-ignore
  const result = doc.data?.result;
  if (doc.data?.resultType !== "vector" || !Array.isArray(result)) throw failed("the answer is not a vector");
  if (result.length > MAX_CLASSES) throw failed(`more than ${MAX_CLASSES} series`);
  return result.map((s: { metric?: Record<string, string>; value?: [number, string] }) => {
    const v = Number(s.value?.[1]);
    return [s.metric ?? {}, Number.isFinite(v) && v > 0 ? v : 0];
  });
}

const sumOf = (rows: [Record<string, string>, number][]) => rows.reduce((a, [, v]) => a + v, 0);

function selector(p: Params, hash: string, extra = ""): string {
  return `namespace="${p.namespace}",${HASH_LABEL}="${hash}"${extra}`;
}

async function classShares(options: CanaryJudgeOptions, model: string, p: Params) {
  const counts = async (hash: string) => {
    const rows = await query(options, `sum by (class) (increase(lockstep_predictions_total{${selector(p, hash, `,model="${model}"`)}}[${p.window}]))`); // prettier-ignore
    return Object.fromEntries(rows.map(([m, v]) => [m.class ?? "", v]));
  };
  const [canary, stable] = await Promise.all([counts(p.canary), counts(p.stable)]);
  const test: ClassShareTest = classShareTest(canary, stable);
  return {
    check: "class-shares",
    enough: Math.min(test.n.canary, test.n.stable) >= p.min,
    ...test,
    pooled: test.pooled.slice(0, 10), // the measurement is stored in the AnalysisRun: keep it short
  };
}

async function valueShift(options: CanaryJudgeOptions, model: string, metric: string, p: Params) {
  const name = `lockstep_${metric}`;
  const side = async (hash: string): Promise<HistogramWindow> => {
    const sel = selector(p, hash, `,model="${model}"`);
    // requests are the route patterns' (a pod serves one model in the cluster), answered 2xx
    const [buckets, sum, count, requests] = await Promise.all([
      query(options, `sum by (le) (increase(${name}_bucket{${sel}}[${p.window}]))`),
      query(options, `sum(increase(${name}_sum{${sel}}[${p.window}]))`),
      query(options, `sum(increase(${name}_count{${sel}}[${p.window}]))`),
      query(options, `sum(increase(lockstep_http_requests_total{${selector(p, hash, `,route=~"/v[12]/models/.*",status=~"2.."`)}}[${p.window}]))`), // prettier-ignore
    ]);
    const bounds = buckets
      .map(([m, v]) => [m.le === "+Inf" ? Infinity : Number(m.le), v] as const)
      .filter(([le]) => !Number.isNaN(le))
      .sort((a, b) => a[0] - b[0]);
    return { buckets: bounds, sum: sumOf(sum), count: sumOf(count), requests: sumOf(requests) };
  };
  const [canary, stable] = await Promise.all([side(p.canary), side(p.stable)]);
  const interval: ValueShiftInterval = valueShiftInterval(canary, stable, p.level);
  return {
    check: "value-shift",
    enough: Math.min(interval.n.canary, interval.n.stable) >= p.min,
    ...interval,
  };
}

/** Answer one request: the JSON document and its status. Never throws. */
export async function judge(
  options: CanaryJudgeOptions,
  method: string | undefined,
  rawUrl: string | undefined,
): Promise<{ status: number; body: unknown }> {
  try {
    if (Buffer.byteLength(rawUrl ?? "") > MAX_URL_BYTES)
      throw new JudgeError(414, "URI_TOO_LONG", `the URL is longer than ${MAX_URL_BYTES} bytes`);
    const url = new URL(rawUrl ?? "/", "http://judge");
    if (url.pathname === "/healthz") return { status: 200, body: { ok: true } };
    const m = /^\/v1\/canary\/([^/]{1,253})\/(class-shares|value-shift)$/.exec(url.pathname);
    if (!m) throw new JudgeError(404, "NOT_FOUND", "no such route: GET /v1/canary/{model}/class-shares or /value-shift"); // prettier-ignore
    if (method !== "GET") throw new JudgeError(405, "METHOD_NOT_ALLOWED", "only GET");
    let model: string;
    try {
      model = decodeURIComponent(m[1]!);
    } catch {
      throw new JudgeError(400, "PARAM_INVALID", "the model name is not valid URL encoding");
    }
    const spec = Object.hasOwn(options.models, model) ? options.models[model] : undefined;
    if (!spec)
      throw new JudgeError(404, "MODEL_UNKNOWN", `unknown model ${JSON.stringify(model.slice(0, 80))}`);
    const check = m[2] as Check;
    const params = judgeParams(url.searchParams);
    if (check === "class-shares") {
      if (!spec.classes) throw new JudgeError(404, "CHECK_UNSUPPORTED", `${model} predicts no classes`);
      return { status: 200, body: await classShares(options, model, params) };
    }
    if (!spec.valueMetric || !/^[a-zA-Z_][a-zA-Z0-9_]{0,100}$/.test(spec.valueMetric))
      throw new JudgeError(404, "CHECK_UNSUPPORTED", `${model} observes no values`);
    return { status: 200, body: await valueShift(options, model, spec.valueMetric, params) };
  } catch (error) {
    if (error instanceof JudgeError) return { status: error.status, body: { error: error.message, code: error.code } }; // prettier-ignore
    return { status: 500, body: { error: "internal error", code: "INTERNAL" } };
  }
}

/**
 * JSON without NaN or ±Infinity (JSON has none: an unknown number is null), numbers to six significant
 * digits: Argo stores every measurement in the AnalysisRun's status.
 */
export const judgeJson = (body: unknown) =>
  JSON.stringify(body, (_, v: unknown) =>
    typeof v !== "number" ? v : Number.isFinite(v) ? Number(v.toPrecision(6)) : null,
  );

export function canaryJudgeHandler(options: CanaryJudgeOptions) {
  return (req: IncomingMessage, res: ServerResponse) => {
    req.resume(); // a body is never read
    void judge(options, req.method, req.url).then(({ status, body }) => {
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(judgeJson(body));
    });
  };
}

export interface RunningJudge {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startCanaryJudge(
  options: CanaryJudgeOptions & { port?: number; host?: string },
): Promise<RunningJudge> {
  const server = createServer(canaryJudgeHandler(options));
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve),
  );
  const { address, port } = server.address() as { address: string; port: number };
  return {
    url: `http://${address.includes(":") ? `[${address}]` : address}:${port}`,
    server,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
