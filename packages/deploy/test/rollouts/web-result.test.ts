import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeployError, goJsonMarshal, parseWebJsonPath, webMeasure, webMeasurement } from "../../src/index.js";

// the conditions the class-share metric renders for alpha 0.01 and a shift of 0.15
const classShare = {
  successCondition: "result.enough == true && result.effect <= 0.15",
  failureCondition: "result.enough == true && result.effect > 0.15 && result.pValue < 0.01",
  provider: { web: { url: "http://judge.test/" } },
};
const ok = (doc: unknown) => ({ status: 200, body: JSON.stringify(doc) });

describe("webMeasurement: what Argo's web provider records for an answer", () => {
  it("a JSON document is the result; its json.Marshal (keys sorted) the recorded value", () => {
    const pass = webMeasurement(classShare, ok({ pValue: 0.4, effect: 0.02, enough: true, n: { stable: 9, canary: 8 } })); // prettier-ignore
    expect(pass).toEqual({
      phase: "Successful",
      value: '{"effect":0.02,"enough":true,"n":{"canary":8,"stable":9},"pValue":0.4}',
    });
    expect(webMeasurement(classShare, ok({ enough: true, effect: 0.3, pValue: 1e-9 })).phase).toBe("Failed");
    // a large shift without the evidence: neither condition holds
    expect(webMeasurement(classShare, ok({ enough: true, effect: 0.3, pValue: 0.2 })).phase).toBe(
      "Inconclusive",
    );
    // too few predictions: the right-hand sides are never evaluated (pValue may be absent)
    expect(webMeasurement(classShare, ok({ enough: false, effect: 0.9 })).phase).toBe("Inconclusive");
  });

  it("a non-2xx status or a transport error is an Error without a value (webmetric.go:103-109)", () => {
    expect(webMeasurement(classShare, { status: 502, body: '{"enough":true}' })).toEqual({
      phase: "Error",
      value: "",
      message: "received non 2xx response code: 502",
    });
    expect(webMeasurement(classShare, { status: 199, body: "" }).phase).toBe("Error");
    expect(webMeasurement(classShare, { error: "connect ECONNREFUSED" })).toMatchObject({ phase: "Error" });
  });

  it("a 2xx body that is not JSON is recorded and Successful whatever the conditions (webmetric.go:132-136)", () => {
    expect(webMeasurement(classShare, { status: 200, body: "<html>oops</html>" })).toEqual({
      phase: "Successful",
      value: "<html>oops</html>",
    });
  });

  it("a missing member or a condition that fails to run is an Error", () => {
    const member = { ...classShare, provider: { web: { url: "x", jsonPath: "{$.verdict.p}" } } };
    expect(webMeasurement(member, ok({ verdict: { q: 1 } }))).toEqual({
      phase: "Error",
      value: "",
      message: "Could not find JSONPath in body: p is not found",
    });
    expect(webMeasurement(member, ok({ verdict: 3 })).message).toBe("Could not find JSONPath in body: p is not found"); // prettier-ignore
    // pValue null while enough: nil < float64 fails at run time, as expr's runtime.Less does
    const broken = webMeasurement(classShare, ok({ enough: true, effect: 0.3, pValue: null }));
    expect(broken.phase).toBe("Error");
    expect(broken.message).toMatch(/<nil> < float64/);
    // an unknown member is nil, not an error, until compared
    const missing = { ...classShare, successCondition: "result.nothing == nil", failureCondition: "" };
    expect(webMeasurement(missing, ok({})).phase).toBe("Successful");
  });

  it("a JSONPath selecting one member: that member is the result and the value", () => {
    const metric = {
      successCondition: 'result == "pass"',
      failureCondition: 'result == "fail"',
      provider: { web: { url: "x", jsonPath: "{$.verdict}" } },
    };
    expect(webMeasurement(metric, ok({ verdict: "pass" }))).toEqual({ phase: "Successful", value: '"pass"' });
    expect(webMeasurement(metric, ok({ verdict: "fail" })).phase).toBe("Failed");
  });

  it("JSONPaths outside {$} and member chains are refused, not guessed", () => {
    expect(parseWebJsonPath(undefined)).toEqual([]);
    expect(parseWebJsonPath("{$.a.b}")).toEqual(["a", "b"]);
    expect(parseWebJsonPath("{.a}")).toEqual(["a"]);
    for (const path of ["{$.items[0]}", "{range .x}", "x{$.a}", "{$..a}", "{}", "$.a"]) {
      expect(() => parseWebJsonPath(path), path).toThrow(DeployError);
    }
  });

  it("json.Marshal escapes HTML characters and sorts keys", () => {
    expect(goJsonMarshal({ b: "<&>", a: [1, 0.000001, 1e21] })).toBe(
      '{"a":[1,0.000001,1e+21],"b":"\\u003c\\u0026\\u003e"}',
    );
  });
});

describe("webMeasure: the provider's HTTP call", () => {
  let server: Server;
  let url = "";
  const seen: { method?: string; headers: Record<string, unknown> }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ method: req.method, headers: req.headers });
      if (req.url === "/hang") return; // never answers
      res.writeHead(req.url === "/down" ? 503 : 200, { "content-type": "application/json" });
      res.end(JSON.stringify({ enough: true, effect: 0.01, pValue: 0.9 }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it("GET with the metric's headers; the answer judged", async () => {
    const metric = { ...classShare, provider: { web: { url: `${url}/ok`, headers: [{ key: "X-Run", value: "r1" }] } } }; // prettier-ignore
    expect(await webMeasure(metric)).toEqual({
      phase: "Successful",
      value: '{"effect":0.01,"enough":true,"pValue":0.9}',
    });
    expect(seen.at(-1)).toMatchObject({ method: "GET", headers: { "x-run": "r1" } });
    expect((await webMeasure({ ...metric, provider: { web: { url: `${url}/down` } } })).message).toBe(
      "received non 2xx response code: 503",
    );
  });

  it("a body with GET, or both bodies, is an Error before any call (webmetric.go:72-76)", async () => {
    const before = seen.length;
    expect((await webMeasure({ ...classShare, provider: { web: { url, body: "x" } } })).phase).toBe("Error");
    expect((await webMeasure({ ...classShare, provider: { web: { url, method: "POST", body: "x", jsonBody: {} } } })).phase).toBe("Error"); // prettier-ignore
    expect(seen.length).toBe(before);
  });

  it("an answer that never comes is an Error after timeoutSeconds", async () => {
    const m = await webMeasure({
      ...classShare,
      provider: { web: { url: `${url}/hang`, timeoutSeconds: 1 } },
    });
    expect(m.phase).toBe("Error");
    expect(m.message).toMatch(/hang/);
  });
});
