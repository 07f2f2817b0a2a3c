import { DeployError } from "../errors.js";
import type { AnalysisPhase, Measurement, Metric } from "./assessment.js";
import { evalJsonCondition, type JsonResult } from "./expr.js";
import { evaluateConditions } from "./prometheus-result.js";

/*
 * What Argo Rollouts v1.7.2's web provider makes of an HTTP answer: metricproviders/webmetric/webmetric.go
 * (Run :52-122, parseResponse :124-149, getValue :151-160, NewWebMetricHttpClient :183-213,
 * NewWebMetricJsonParser :215-223), the JSONPath by k8s.io/client-go v0.29.3 util/jsonpath (FindResults,
 * evalField), judged by utils/evaluate/evaluate.go:17-57 as the Prometheus provider's are.
 */

/** The web provider's spec, as far as the port reads it. */
export interface WebProvider {
  url: string;
  method?: "GET" | "POST" | "PUT";
  headers?: { key: string; value: string }[];
  body?: string;
  jsonBody?: unknown;
  timeoutSeconds?: number;
  jsonPath?: string;
  insecure?: boolean;
}

/** NewWebMetricHttpClient :187-192: timeoutSeconds ≤ 0 (or unset) means 10 s. */
export const webTimeoutMs = (web: Pick<WebProvider, "timeoutSeconds">) =>
  (web.timeoutSeconds !== undefined && web.timeoutSeconds > 0 ? web.timeoutSeconds : 10) * 1000;

/**
 * The JSONPath subset this port follows: `{$}` (the default, :218-220) and `{$.a.b}` / `{.a.b}` member
 * chains. Anything else (filters, ranges, wildcards, text around the braces) is refused, not guessed.
 */
export function parseWebJsonPath(path: string | undefined): string[] {
  const text = path === undefined || path === "" ? "{$}" : path;
  const m = /^\{\s*\$?((?:\.[A-Za-z0-9_-]+)*)\s*\}$/.exec(text);
  if (!m || (m[1] === "" && !text.includes("$")))
    throw new DeployError("ROLLOUTS_JSONPATH_UNSUPPORTED", `JSONPath ${JSON.stringify(text)} is outside the subset this port judges ({$} or {$.a.b})`); // prettier-ignore
  return m[1]!.split(".").slice(1);
}

/** Go's json.Marshal of a json.Unmarshal'd value: map keys sorted, <, > and & escaped (encode.go HTMLEscape). */
export function goJsonMarshal(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (typeof v === "object" && v !== null)
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])])); // prettier-ignore
    return v;
  };
  return JSON.stringify(sort(value))
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** The answer to one web call: an HTTP status and body, or the client's error (refused, timed out). */
export type WebAnswer = { status: number; body: string } | { error: string };

const markError = (message: string): Measurement => ({ phase: "Error", value: "", message }); // metric.go:9-17

/**
 * The measurement Argo's web provider records for this answer (Run :103-121): a transport error or a
 * non-2xx status is an Error; a 2xx body that is not JSON is recorded as the value and is **Successful**
 * whatever the conditions say (:132-136); otherwise the first value the JSONPath selects is the
 * condition's `result` and its json.Marshal the recorded value (:138-148, :151-160).
 */
export function webMeasurement(
  metric: Pick<Metric, "successCondition" | "failureCondition"> & { provider: { web: WebProvider } },
  answer: WebAnswer,
): Measurement {
  const path = parseWebJsonPath(metric.provider.web.jsonPath);
  if ("error" in answer) return markError(answer.error); // :104-106
  if (answer.status < 200 || answer.status >= 300)
    return markError(`received non 2xx response code: ${answer.status}`); // :107-109
  let data: unknown;
  try {
    data = JSON.parse(answer.body);
  } catch {
    return { phase: "Successful", value: answer.body }; // :132-136 "non JSON body return as string"
  }
  // evalField: each member of a map; a missing key, or a member of anything else, is "<name> is not found"
  let value: unknown = data;
  for (const name of path) {
    const isMap = typeof value === "object" && value !== null && !Array.isArray(value);
    if (!isMap || !Object.hasOwn(value as object, name))
      return markError(`Could not find JSONPath in body: ${name} is not found`); // :138-141
    value = (value as Record<string, unknown>)[name];
  }
  const recorded = goJsonMarshal(value);
  const { phase, message } = evaluateJson(value as JsonResult, metric);
  // :147-148 then Run :111-114: an evaluation error is an Error measurement without a value
  if (phase === "Error") return markError(message ?? "");
  return { phase, value: recorded };
}

/** EvaluateResult (evaluate.go:17-57) over a JSON result: the same truth table as a Prometheus result's. */
function evaluateJson(
  result: JsonResult,
  metric: Pick<Metric, "successCondition" | "failureCondition">,
): { phase: AnalysisPhase; message?: string } {
  return evaluateConditions(metric, (condition) => evalJsonCondition(condition, result));
}

/**
 * Call the metric's URL as the provider's client would (Run :60-109): GET unless a method is set, the
 * metric's headers, a JSON body only with POST or PUT, the timeout of NewWebMetricHttpClient; then judge
 * the answer with webMeasurement. OAuth2 and `insecure` are outside this port.
 */
export async function webMeasure(
  metric: Pick<Metric, "successCondition" | "failureCondition"> & { provider: { web: WebProvider } },
): Promise<Measurement> {
  const web = metric.provider.web;
  const method = web.method ?? "GET";
  if (web.body && web.jsonBody !== undefined)
    return markError("use either Body or JSONBody; both cannot exists for WebMetric payload"); // :72-73
  if ((web.body || web.jsonBody !== undefined) && method === "GET")
    return markError("Body/JSONBody can only be used with POST or PUT WebMetric Method types"); // :74-76
  const headers: Record<string, string> = {};
  for (const h of web.headers ?? []) headers[h.key] = h.value;
  if (web.jsonBody !== undefined) headers["Content-Type"] = "application/json"; // :99-101
  const body = web.body || (web.jsonBody !== undefined ? JSON.stringify(web.jsonBody) : undefined);
  let answer: WebAnswer;
  try {
    const response = await fetch(web.url, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
      signal: AbortSignal.timeout(webTimeoutMs(web)),
      redirect: "follow",
    });
    answer = { status: response.status, body: await response.text() };
  } catch (error) {
    answer = { error: `${method} ${web.url}: ${(error as Error).message}` };
  }
  return webMeasurement(metric, answer);
}
