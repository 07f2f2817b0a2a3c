import type { AnalysisPhase, Measurement, Metric } from "./assessment.js";
import { evalCondition, isArgoExprError, type ExprResult } from "./expr.js";
import { parseGoFloat } from "./expr-parse.js";

/*
 * What Argo Rollouts v1.7.2's Prometheus provider makes of a /api/v1/query answer:
 * metricproviders/prometheus/prometheus.go:60-142 (Run, processResponse), decoded by
 * prometheus/client_golang v1.18.0 api/prometheus/v1/api.go (apiClientImpl.Do:1381-1425,
 * httpAPI.Query:1091-1117, queryResult.UnmarshalJSON:821-852) and prometheus/common v0.47.0 model
 * (value_float.go:40-64, value.go:102-133 and 265-279), then judged by utils/evaluate/evaluate.go:17-57.
 */

/** The decoded answer: `result` exactly as Argo passes it to the conditions, and the value string it records. */
export type PrometheusOutcome =
  { ok: true; result: ExprResult; value: string; warnings: string[] } | { ok: false; message: string };

/** strconv.FormatFloat(v, 'f', -1, 64) (value_float.go:62-64): shortest round-trip digits, never an exponent. */
export function formatGoFloat(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  if (Object.is(v, -0)) return "-0";
  const text = Math.abs(v).toString();
  const sign = v < 0 ? "-" : "";
  const m = /^(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!m) return sign + text;
  const digits = m[1]! + (m[2] ?? "");
  const point = m[1]!.length + Number(m[3]);
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + "0".repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

const fail = (message: string): PrometheusOutcome => ({ ok: false, message });
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const goJsonType = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "object" ? "object" : typeof v); // prettier-ignore

/** A sample value: a quoted Go float (SampleValue.UnmarshalJSON, value_float.go:40-50). */
function sampleValue(v: unknown): number | string {
  if (typeof v !== "string") return "sample value must be a quoted string";
  const f = parseGoFloat(v);
  return f ?? `strconv.ParseFloat: parsing ${JSON.stringify(v)}: invalid syntax`;
}

/**
 * Decode a Prometheus HTTP API answer (the JSON body, as text or parsed) the way Argo's client does.
 * Errors are the measurement's Error message. Timestamps are only checked to be JSON numbers.
 */
export function prometheusQueryResult(body: unknown, httpStatus = 200): PrometheusOutcome {
  const apiError = httpStatus === 400 || httpStatus === 422; // api.go:1362-1365: codes Prometheus uses for errors
  const family = Math.floor(httpStatus / 100);
  if (family !== 2 && !apiError) {
    // api.go:1367-1378, 1390-1397: any other non-2xx code is an error without reading the body
    if (family === 4) return fail(`client_error: client error: ${httpStatus}`);
    if (family === 5) return fail(`server_error: server error: ${httpStatus}`);
    return fail(`bad_response: bad response code ${httpStatus}`);
  }
  let doc: unknown = {};
  if (httpStatus !== 204) {
    try {
      doc = typeof body === "string" ? JSON.parse(body) : body;
    } catch (error) {
      return fail(`bad_response: ${(error as Error).message}`); // api.go:1401-1406
    }
  }
  if (!isObject(doc)) return fail(`bad_response: json: cannot unmarshal ${goJsonType(doc)} into Go value of type v1.apiResponse`); // prettier-ignore
  for (const key of ["status", "errorType", "error"]) {
    const v = doc[key];
    if (v !== undefined && v !== null && typeof v !== "string") return fail(`bad_response: json: cannot unmarshal ${goJsonType(v)} into Go struct field apiResponse.${key} of type string`); // prettier-ignore
  }
  const warnings = doc.warnings ?? [];
  if (!Array.isArray(warnings) || !warnings.every((w) => typeof w === "string")) return fail("bad_response: json: cannot unmarshal warnings"); // prettier-ignore
  // api.go:1409-1421: an error status wins over the 400/422 consistency check
  if (doc.status === "error") return fail(`${String(doc.errorType ?? "")}: ${String(doc.error ?? "")}`);
  if (apiError && doc.status === "success") return fail("bad_response: inconsistent body for response code");
  // httpAPI.Query (api.go:1113-1116) unmarshals `data` into queryResult (api.go:821-852)
  const data = doc.data;
  if (data === undefined) return fail("unexpected end of JSON input");
  if (data !== null && !isObject(data)) return fail(`json: cannot unmarshal ${goJsonType(data)} into Go value of type struct`); // prettier-ignore
  const type = data?.resultType ?? "";
  if (typeof type !== "string") return fail(`json: cannot unmarshal ${goJsonType(type)} into Go struct field .resultType of type model.ValueType`); // prettier-ignore
  const result = data?.result;
  if (type === "scalar") {
    // model.Scalar.UnmarshalJSON (value.go:265-279): [timestamp, "value"]; a missing value parses as ""
    if (result === undefined) return fail("unexpected end of JSON input");
    if (result !== null && !Array.isArray(result)) return fail(`json: cannot unmarshal ${goJsonType(result)} into Go value of type [2]interface {}`); // prettier-ignore
    const [ts, text = ""] = result ?? [];
    if (ts !== undefined && ts !== null && typeof ts !== "number")
      return fail(`invalid time ${JSON.stringify(ts)}`);
    if (typeof text !== "string") return fail(`json: cannot unmarshal ${goJsonType(text)} into Go value of type string`); // prettier-ignore
    const v = parseGoFloat(text);
    if (v === undefined) return fail(`error parsing sample value: strconv.ParseFloat: parsing ${JSON.stringify(text)}: invalid syntax`); // prettier-ignore
    // prometheus.go:117-121: result is the float64, the value its FormatFloat
    return { ok: true, result: v, value: formatGoFloat(v), warnings };
  }
  if (type === "vector") {
    if (result === undefined) return fail("unexpected end of JSON input");
    if (result !== null && !Array.isArray(result)) return fail(`json: cannot unmarshal ${goJsonType(result)} into Go value of type model.Vector`); // prettier-ignore
    const values: number[] = [];
    for (const sample of result ?? []) {
      if (sample === null) continue; // a null sample decodes to a nil *Sample, skipped (prometheus.go:126)
      if (!isObject(sample)) return fail(`json: cannot unmarshal ${goJsonType(sample)} into Go value of type model.Sample`); // prettier-ignore
      let value = 0; // no "value" (or a native histogram) leaves Sample.Value at 0 (value.go:102-133)
      const pair = sample.value;
      const histogram = sample.histogram !== undefined && sample.histogram !== null;
      if (pair !== undefined && pair !== null) {
        if (!Array.isArray(pair)) return fail(`json: cannot unmarshal ${goJsonType(pair)} into Go value of type [2]json.Unmarshaler`); // prettier-ignore
        if (pair[0] !== undefined && typeof pair[0] !== "number")
          return fail(`invalid time ${JSON.stringify(pair[0])}`);
        if (pair.length > 1) {
          const v = sampleValue(pair[1]);
          if (typeof v === "string") return fail(v);
          if (!histogram) value = v;
        }
      }
      values.push(value);
    }
    // prometheus.go:122-137: result is the []float64 (empty, never nil, for an empty vector); value "[v1,v2]"
    return { ok: true, result: values, value: `[${values.map(formatGoFloat).join(",")}]`, warnings };
  }
  // a matrix decodes but processResponse refuses it (prometheus.go:138-140); other types fail to decode
  if (type === "matrix") return fail("Prometheus metric type not supported");
  return fail(`unexpected value type ${JSON.stringify(type)}`);
}

/**
 * EvaluateResult (evaluate.go:17-57, v1.7.2): success and failure conditions → measurement phase, each
 * condition judged by `holds` (a Prometheus result's or a web answer's evaluator).
 * Both given: success true and failure false → Successful; failure true → Failed; neither → Inconclusive.
 * Only success: Failed unless it holds. Only failure: Successful unless it holds. None: Successful.
 * An expr error in either condition → Error. Throws (DeployError) only for conditions outside the ported subset.
 */
export function evaluateConditions(
  metric: Pick<Metric, "successCondition" | "failureCondition">,
  holds: (condition: string) => boolean,
): { phase: AnalysisPhase; message?: string } {
  const success = metric.successCondition ?? "";
  const failure = metric.failureCondition ?? "";
  let successCondition = false;
  let failCondition = false;
  try {
    if (success !== "") successCondition = holds(success); // evaluate.go:22-27
    if (failure !== "") failCondition = holds(failure); // evaluate.go:28-33
  } catch (error) {
    if (isArgoExprError(error)) return { phase: "Error", message: error.message };
    throw error;
  }
  if (success === "" && failure === "") return { phase: "Successful" }; // evaluate.go:36-38
  if (success !== "" && failure === "") failCondition = !successCondition; // evaluate.go:39-41
  if (success === "" && failure !== "") successCondition = !failCondition; // evaluate.go:42-44
  if (failCondition) return { phase: "Failed" }; // evaluate.go:47-49
  if (!successCondition) return { phase: "Inconclusive" }; // evaluate.go:51-53
  return { phase: "Successful" }; // evaluate.go:55-56
}

/** EvaluateResult over a Prometheus query's result (see evaluateConditions). */
export function evaluateResult(
  result: ExprResult,
  metric: Pick<Metric, "successCondition" | "failureCondition">,
): { phase: AnalysisPhase; message?: string } {
  return evaluateConditions(metric, (condition) => evalCondition(condition, result));
}

/**
 * The measurement Argo's Prometheus provider records for this answer (prometheus.go:60-96): an error (query
 * or condition) gives phase Error with the message and an empty value (metric.go:9-17 MarkMeasurementError).
 */
export function prometheusMeasurement(
  metric: Pick<Metric, "successCondition" | "failureCondition">,
  body: unknown,
  httpStatus = 200,
): Measurement {
  const outcome = prometheusQueryResult(body, httpStatus);
  if (!outcome.ok) return { phase: "Error", value: "", message: outcome.message };
  const { phase, message } = evaluateResult(outcome.result, metric);
  if (phase === "Error") return { phase, value: "", message: message ?? "" }; // prometheus.go:74-77
  const measurement: Measurement = { phase, value: outcome.value };
  if (outcome.warnings.length > 0) {
    measurement.metadata = { warnings: outcome.warnings.map((w) => `"${w}"`).join(", ") }; // prometheus.go:80-90
  }
  return measurement;
}
