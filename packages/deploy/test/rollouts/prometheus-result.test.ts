import { describe, expect, it } from "vitest";
import {
  DeployError,
  evaluateResult,
  formatGoFloat,
  prometheusMeasurement,
  prometheusQueryResult,
} from "../../src/index.js";

const vector = (...values: string[]) => ({
  status: "success",
  data: {
    resultType: "vector",
    result: values.map((v, i) => ({ metric: { pod: `p${i}` }, value: [1_700_000_000.123, v] })),
  },
});
const scalar = (v: string) => ({
  status: "success",
  data: { resultType: "scalar", result: [1_700_000_000, v] },
});

// the conditions packages/deploy/src/objects/analysis.ts renders for a threshold of 0.05
const canary = {
  successCondition: "len(result) > 0 && result[0] <= 0.05",
  failureCondition: "len(result) > 0 && result[0] > 0.05",
};

describe("prometheusQueryResult: the result Argo's provider hands the conditions", () => {
  it("a vector of one is a []float64 of one, recorded as [v]", () => {
    expect(prometheusQueryResult(vector("0.01"))).toEqual({
      ok: true,
      result: [0.01],
      value: "[0.01]",
      warnings: [],
    });
  });

  it("a vector of two keeps both, in order (prometheus.go:122-137)", () => {
    expect(prometheusQueryResult(vector("10", "11"))).toMatchObject({ result: [10, 11], value: "[10,11]" });
  });

  it("an empty vector is an empty []float64 recorded as [] (never nil, never 0)", () => {
    expect(prometheusQueryResult(vector())).toEqual({ ok: true, result: [], value: "[]", warnings: [] });
    // a null result decodes to a nil Vector, processed the same way
    const nullResult = { status: "success", data: { resultType: "vector", result: null } };
    expect(prometheusQueryResult(nullResult)).toMatchObject({ result: [], value: "[]" });
  });

  it("a scalar is the float64 itself (prometheus.go:117-121)", () => {
    expect(prometheusQueryResult(scalar("10"))).toEqual({ ok: true, result: 10, value: "10", warnings: [] });
  });

  it("NaN and ±Inf are values, formatted as Go does", () => {
    expect(prometheusQueryResult(vector("NaN", "+Inf", "-Inf"))).toMatchObject({
      result: [NaN, Infinity, -Infinity],
      value: "[NaN,+Inf,-Inf]",
    });
    expect(prometheusQueryResult(scalar("NaN"))).toMatchObject({ result: NaN, value: "NaN" });
  });

  it("decodes the body as text too, skips null samples and reads a histogram sample as 0", () => {
    expect(prometheusQueryResult(JSON.stringify(vector("1e-7")))).toMatchObject({ value: "[0.0000001]" });
    const odd = {
      status: "success",
      data: { resultType: "vector", result: [null, { metric: {}, histogram: [1, {}] }] },
    };
    expect(prometheusQueryResult(odd)).toMatchObject({ result: [0], value: "[0]" });
  });

  it("an error status, a bad code, a matrix or a string result is an error message", () => {
    const error = { status: "error", errorType: "bad_data", error: 'invalid parameter "query": parse error' };
    expect(prometheusQueryResult(error, 400)).toEqual({
      ok: false,
      message: 'bad_data: invalid parameter "query": parse error',
    });
    expect(prometheusQueryResult("<html>", 503)).toEqual({
      ok: false,
      message: "server_error: server error: 503",
    });
    expect(prometheusQueryResult(vector("1"), 400)).toEqual({
      ok: false,
      message: "bad_response: inconsistent body for response code",
    });
    expect(prometheusQueryResult({ status: "success", data: { resultType: "matrix", result: [] } })).toEqual({
      ok: false,
      message: "Prometheus metric type not supported", // TestRunWithEvaluationError (prometheus_test.go:236-257)
    });
    expect(
      prometheusQueryResult({ status: "success", data: { resultType: "string", result: [1, "x"] } }),
    ).toEqual({
      ok: false,
      message: 'unexpected value type "string"',
    });
    expect(prometheusQueryResult({ status: "success" })).toEqual({
      ok: false,
      message: "unexpected end of JSON input",
    });
    expect(prometheusQueryResult("not json")).toMatchObject({ ok: false });
    expect(prometheusQueryResult(vector("abc"))).toEqual({
      ok: false,
      message: 'strconv.ParseFloat: parsing "abc": invalid syntax',
    });
    const unquoted = {
      status: "success",
      data: { resultType: "vector", result: [{ metric: {}, value: [1, 0.5] }] },
    };
    expect(prometheusQueryResult(unquoted)).toEqual({
      ok: false,
      message: "sample value must be a quoted string",
    });
  });
});

describe("prometheusMeasurement: the measurement Argo records", () => {
  it("judges the canary conditions: pass, fail, and no traffic or NaN as Inconclusive", () => {
    expect(prometheusMeasurement(canary, vector("0.01"))).toEqual({ phase: "Successful", value: "[0.01]" });
    expect(prometheusMeasurement(canary, vector("0.2", "0.01"))).toEqual({
      phase: "Failed",
      value: "[0.2,0.01]",
    });
    expect(prometheusMeasurement(canary, vector())).toEqual({ phase: "Inconclusive", value: "[]" });
    expect(prometheusMeasurement(canary, vector("NaN"))).toEqual({ phase: "Inconclusive", value: "[NaN]" });
  });

  it("an empty vector indexed without a length guard is an Error, with an empty value", () => {
    expect(prometheusMeasurement({ successCondition: "result[0] <= 0.05" }, vector())).toEqual({
      phase: "Error",
      value: "",
      message: "reflect: slice index out of range",
    });
  });

  it("mirrors TestProcessScalarResponse, TestProcessNaNResponse and TestProcessInfResponse (prometheus_test.go:308-408)", () => {
    expect(prometheusMeasurement({ successCondition: "result == 10", failureCondition: "result != 10" }, scalar("10"))).toEqual({ phase: "Successful", value: "10" }); // prettier-ignore
    expect(prometheusMeasurement({ successCondition: "result >= 0.9", failureCondition: "result < 0.9" }, scalar("NaN"))).toEqual({ phase: "Inconclusive", value: "NaN" }); // prettier-ignore
    expect(prometheusMeasurement({ successCondition: "result >= 0.9 || isNaN(result)" }, scalar("NaN"))).toEqual({ phase: "Successful", value: "NaN" }); // prettier-ignore
    expect(prometheusMeasurement({ successCondition: "result >= 0.9" }, scalar("NaN"))).toEqual({ phase: "Failed", value: "NaN" }); // prettier-ignore
    expect(prometheusMeasurement({ successCondition: "result >= 0.9" }, scalar("+Inf"))).toEqual({ phase: "Successful", value: "+Inf" }); // prettier-ignore
    expect(prometheusMeasurement({ failureCondition: "isInf(result)" }, scalar("+Inf"))).toEqual({ phase: "Failed", value: "+Inf" }); // prettier-ignore
    // TestProcessVectorResponse (prometheus_test.go:410-435)
    expect(prometheusMeasurement({ successCondition: "10 in result", failureCondition: "len(result) != 2" }, vector("10", "11"))).toEqual({ phase: "Successful", value: "[10,11]" }); // prettier-ignore
  });

  it("an error answer is an Error measurement with the client's message", () => {
    const error = { status: "error", errorType: "timeout", error: "query timed out" };
    expect(prometheusMeasurement(canary, error, 503)).toEqual({
      phase: "Error",
      value: "",
      message: "server_error: server error: 503",
    });
    expect(prometheusMeasurement(canary, error, 422)).toEqual({ phase: "Error", value: "", message: "timeout: query timed out" }); // prettier-ignore
  });

  it("keeps Prometheus warnings as metadata (prometheus.go:80-90)", () => {
    const body = { ...vector("0.01"), warnings: ["a", "b"] };
    expect(prometheusMeasurement(canary, body)).toEqual({
      phase: "Successful",
      value: "[0.01]",
      metadata: { warnings: '"a", "b"' },
    });
  });

  it("refuses to judge a condition outside the ported subset", () => {
    expect(() => prometheusMeasurement({ successCondition: "all(result, {# < 1})" }, vector("0.5"))).toThrow(
      DeployError,
    );
  });
});

describe("evaluateResult mirrors utils/evaluate/evaluate_test.go:15-102 (v1.7.2)", () => {
  const cases: [string | undefined, string | undefined, string][] = [
    ["true", "false", "Successful"], // TestEvaluateResultWithSuccess
    ["true", "true", "Failed"], // TestEvaluateResultWithFailure: failure wins
    ["false", "false", "Inconclusive"], // TestEvaluateResultInconclusive
    [undefined, "false", "Successful"], // TestEvaluateResultNoSuccessConditionAndNotFailing
    ["false", undefined, "Failed"], // TestEvaluateResultNoFailureConditionAndNotSuccessful
    [undefined, undefined, "Successful"], // TestEvaluateResultNoFailureConditionAndNoSuccessCondition
    ["a == true", "true", "Error"], // TestEvaluateResultWithErrorOnSuccessCondition
    ["true", "a == true", "Error"], // TestEvaluateResultWithErrorOnFailureCondition
  ];
  it.each(cases)("success %s, failure %s → %s", (successCondition, failureCondition, phase) => {
    expect(evaluateResult(1, { successCondition, failureCondition }).phase).toBe(phase);
  });
});

describe("formatGoFloat: strconv.FormatFloat(v, 'f', -1, 64)", () => {
  it("writes the shortest round-trip digits without an exponent", () => {
    expect([0.1, 10, 1e21, 1.5e-7, -0, -2.5, 123456789.125, 0.000001].map(formatGoFloat)).toEqual([
      "0.1",
      "10",
      "1000000000000000000000",
      "0.00000015",
      "-0",
      "-2.5",
      "123456789.125",
      "0.000001",
    ]);
  });
});
