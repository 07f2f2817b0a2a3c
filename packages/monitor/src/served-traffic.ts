import { MonitorError } from "./errors.js";

/*
 * What an environment's pods of one artifact served since a time, from Prometheus: requests to the
 * model routes and those answered 5xx. The route label is a pattern shared by every model, so the
 * pods are picked by lockstep_model_info{model, sha256} instead (one model and one pin per pod):
 * pods gone since (scaled down, rolled) still count, as long as Prometheus kept their series.
 */

export interface ServedTrafficQuery {
  /** Prometheus's base URL, reachable from here (not the cluster's in-cluster address). */
  prometheus: string;
  namespace: string;
  model: string;
  sha256: string;
  /** How far back: the time since the pin was merged, in seconds (at least 60). */
  seconds: number;
  /** Each query's budget; default 10,000 ms. */
  timeoutMs?: number;
  now?: Date;
}

export interface ServedTrafficCounts {
  requests: number;
  errors: number;
  /** errors / requests; undefined when no request was counted. */
  errorRatio?: number;
  /** The PromQL run, for the reader who wants to check it. */
  query: string;
}

const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The two PromQL expressions, every label value checked first (they go into the query text). */
export function servedTrafficQueries(q: Omit<ServedTrafficQuery, "prometheus">): {
  requests: string;
  errors: string;
} {
  if (!LABEL.test(q.namespace) || !LABEL.test(q.model) || !/^[0-9a-f]{64}$/.test(q.sha256))
    throw new MonitorError("PROMETHEUS_FAILED", `not a namespace, model or sha256 to query by: ${JSON.stringify([q.namespace, q.model, q.sha256.slice(0, 70)])}`); // prettier-ignore
  const range = `${Math.max(60, Math.ceil(q.seconds))}s`;
  const pods = `max by (pod) (max_over_time(lockstep_model_info{namespace="${q.namespace}",model="${q.model}",sha256="${q.sha256}"}[${range}]))`;
  const counted = (status: string) =>
    `sum(increase(lockstep_http_requests_total{namespace="${q.namespace}",route=~"/v[12]/models/.*"${status}}[${range}]) and on (pod) ${pods})`;
  return { requests: `${counted("")} or vector(0)`, errors: `${counted(',status=~"5.."')} or vector(0)` };
}

async function scalar(q: ServedTrafficQuery, promql: string): Promise<number> {
  const failed = (why: string) =>
    new MonitorError("PROMETHEUS_FAILED", `Prometheus at ${q.prometheus}: ${why}`);
  let response: Response;
  try {
    response = await fetch(new URL("/api/v1/query", q.prometheus), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        query: promql,
        ...(q.now ? { time: String(q.now.getTime() / 1000) } : {}),
      }),
      signal: AbortSignal.timeout(q.timeoutMs ?? 10_000),
    });
  } catch (error) {
    throw failed((error as Error).message);
  }
  const text = await response.text();
  if (!response.ok) throw failed(`HTTP ${response.status}: ${text.slice(0, 200)}`);
  let body: { status?: string; data?: { resultType?: string; result?: { value?: [number, string] }[] } };
  try {
    body = JSON.parse(text);
  } catch {
    throw failed("the answer is not JSON");
  }
  const result = body.data?.result;
  if (body.status !== "success" || body.data?.resultType !== "vector" || !Array.isArray(result))
    throw failed("the answer is not an instant vector");
  const value = Number(result[0]?.value?.[1] ?? "0");
  if (!Number.isFinite(value) || value < 0)
    throw failed(`a count of ${String(result[0]?.value?.[1]).slice(0, 40)}`);
  return value;
}

/** Requests and 5xx answers of the artifact's pods in the namespace over the last `seconds`. */
export async function servedTraffic(q: ServedTrafficQuery): Promise<ServedTrafficCounts> {
  const queries = servedTrafficQueries(q);
  const [requests, errors] = [await scalar(q, queries.requests), await scalar(q, queries.errors)];
  return {
    requests: Math.round(requests),
    errors: Math.round(errors),
    ...(requests > 0 ? { errorRatio: errors / requests } : {}),
    query: queries.requests,
  };
}
