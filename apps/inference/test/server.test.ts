import { request } from "node:http";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LockFile } from "@lockstep/lockfile";
import type { Candidate } from "@lockstep/models";
import { startServer, trainedProject } from "./fixture.js";

let dir: string;
let lock: LockFile;
let candidate: Candidate;
let url: string;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ dir, lock, candidate } = await trainedProject());
  const started = await startServer(lock, dir);
  url = started.url;
  close = () => started.server.close();
  await started.waitReady();
});
afterAll(() => close());

const post = (path: string, body: string, type = "application/json") =>
  fetch(`${url}${path}`, { method: "POST", headers: { "content-type": type }, body });

describe("inference server", () => {
  it("is live and ready once the pinned model is verified and loaded", async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      ready: true,
      models: [{ name: "co2-forecast", state: "ready" }],
    });
  });

  it("forecasts CO2 with the pinned model's identity", async () => {
    const response = await post("/v1/models/co2-forecast/predict", JSON.stringify({ horizon: 3 }));
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBeTruthy();
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      model: "co2-forecast",
      version: "1",
      sha256: candidate.pin.sha256,
      unit: "ppm",
    });
    const forecast = body.forecast as { month: string; value: number }[];
    expect(forecast.map((f) => f.month)).toEqual(["2020-05", "2020-06", "2020-07"]);
    expect(forecast[0]!.value).toBeGreaterThan(410);
    expect(typeof body.processing_time_ms).toBe("number");
  });

  it("answers bad input with JSON errors and never a stack trace", async () => {
    const cases: [Promise<Response>, number, string][] = [
      [post("/v1/models/co2-forecast/predict", '{"horizon": 0}'), 400, "REQUEST_INVALID"],
      [post("/v1/models/co2-forecast/predict", '{"horizon": 1000}'), 400, "REQUEST_INVALID"],
      [post("/v1/models/co2-forecast/predict", "{not json"), 400, "INVALID_JSON"],
      [post("/v1/models/co2-forecast/predict", "[]"), 400, "REQUEST_INVALID"],
      [post("/v1/models/co2-forecast/predict", "null"), 400, "REQUEST_INVALID"],
      [post("/v1/models/co2-forecast/predict", "horizon=3", "text/plain"), 415, "UNSUPPORTED_MEDIA_TYPE"],
      [
        post("/v1/models/co2-forecast/predict", `{"a":"${"x".repeat(2 * 1024 * 1024)}"}`),
        413,
        "BODY_TOO_LARGE",
      ],
      [
        post("/v1/models/co2-forecast/predict", `${"[".repeat(5000)}${"]".repeat(5000)}`),
        400,
        "BODY_TOO_DEEP",
      ],
      [post("/v1/models/nope/predict", "{}"), 404, "MODEL_NOT_FOUND"],
      [post("/v1/models/__proto__/predict", "{}"), 404, "MODEL_NOT_FOUND"],
      [fetch(`${url}/no/such/route`), 404, "NOT_FOUND"],
      [fetch(`${url}/v1/models/co2-forecast/predict`), 405, "METHOD_NOT_ALLOWED"],
    ];
    for (const [pending, status, code] of cases) {
      const response = await pending;
      const text = await response.text();
      expect(response.status, text.slice(0, 200)).toBe(status);
      expect(JSON.parse(text)).toMatchObject({ code, error: expect.any(String) });
      expect(text).not.toMatch(/\bat .*\.(ts|js):\d+/);
    }
  });

  it("says what is wrong with broken JSON without quoting the client's body back", async () => {
    const cases: [string, RegExp, string[]][] = [
      ['{"password": tru}', /unexpected '}'$/, ["password", "tru"]],
      ["\u0000\u0001secret binary\u00ff", /unexpected U\+0000$/, ["secret", "binary", "\u0001"]],
      ['{"a":1,}', /position 7$/, []],
      ['{"token": "abc', /Unterminated string in JSON at position 14$/, ["abc"]],
    ];
    for (const [body, detail, absent] of cases) {
      const response = await post("/v1/models/co2-forecast/predict", body);
      const answer = (await response.json()) as { code: string; error: string };
      expect(response.status, body).toBe(400);
      expect(answer.code).toBe("INVALID_JSON");
      expect(answer.error).toMatch(/^the body is not valid JSON: /);
      expect(answer.error).toMatch(detail);
      for (const part of absent) expect(answer.error).not.toContain(part);
    }
  });

  it("routes inference like the rest of the API: case, trailing slash, query, encoding, methods", async () => {
    const ok = [
      "/v1/models/co2-forecast/predict",
      "/V1/Models/co2-forecast/Predict/",
      "/v1/models/co2-forecast/predict?trace=1&x=%zz",
      "/v1/models/co2%2Dforecast/predict",
    ];
    for (const path of ok) {
      const response = await post(path, '{"horizon": 1}');
      expect(response.status, path).toBe(200);
    }
    for (const type of ["application/json; charset=utf-8", "Application/JSON", "application/json;"]) {
      expect((await post("/v1/models/co2-forecast/predict", "{}", type)).status, type).toBe(200);
    }
    const json = { "content-type": "application/json" };
    const cases: [string, RequestInit, number, string][] = [
      ["/v1/models/co2-forecast/predict", { method: "PUT", body: "{}" }, 405, "METHOD_NOT_ALLOWED"],
      ["/v2/models/co2-forecast/infer", { method: "GET" }, 405, "METHOD_NOT_ALLOWED"],
      ["/v1/models/%E0%A4%A/predict", { method: "POST", headers: json, body: "{}" }, 404, "MODEL_NOT_FOUND"],
      ["/v1/models/a/b/predict", { method: "POST", headers: json, body: "{}" }, 404, "NOT_FOUND"],
      ["/v1/models/co2-forecast/predict", { method: "POST" }, 415, "UNSUPPORTED_MEDIA_TYPE"],
      [
        "/v1/models/co2-forecast/predict",
        { method: "POST", headers: { "content-type": "application/json/x" }, body: "{}" },
        415,
        "UNSUPPORTED_MEDIA_TYPE",
      ],
      [
        "/v1/models/co2-forecast/predict",
        { method: "POST", headers: { "content-type": "application/jsonx" }, body: "{}" },
        415,
        "UNSUPPORTED_MEDIA_TYPE",
      ],
    ];
    for (const [path, init, status, code] of cases) {
      const response = await fetch(`${url}${path}`, init);
      expect(response.status, `${init.method} ${path}`).toBe(status);
      expect(await response.json()).toMatchObject({ code });
      if (status === 405) expect(response.headers.get("allow")).toBe("POST");
    }
    const options = await fetch(`${url}/v2/models/co2-forecast/infer`, { method: "OPTIONS" });
    expect(options.status).toBe(200);
    expect(options.headers.get("allow")).toBe("POST");
    const traced = await fetch(`${url}/v1/models/co2-forecast/predict`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "trace-42" },
      body: "{}",
    });
    expect(traced.headers.get("x-request-id")).toBe("trace-42");
    const hostile = await fetch(`${url}/v1/models/co2-forecast/predict`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "a b\u00ff".replace("\u00ff", "") },
      body: "{}",
    });
    expect(hostile.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers 413 to an oversized chunked body (no Content-Length)", async () => {
    const chunk = new TextEncoder().encode(`{"a":"${"x".repeat(600 * 1024)}`);
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(chunk);
        controller.enqueue(chunk);
        controller.close();
      },
    });
    const response = await fetch(`${url}/v1/models/co2-forecast/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: "BODY_TOO_LARGE" });
  });

  it("rejects a lying Content-Length and survives a client that disconnects mid-body", async () => {
    const port = new URL(url).port;
    await new Promise<void>((resolve) => {
      const req = request({
        host: "127.0.0.1",
        port,
        path: "/v1/models/co2-forecast/predict",
        method: "POST",
        headers: { "content-type": "application/json", "content-length": "100" },
      });
      req.on("error", () => resolve());
      req.write('{"horizon":');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    const response = await post("/v1/models/co2-forecast/predict", '{"horizon": 1}');
    expect(response.status).toBe(200);
  });

  it("exposes Prometheus metrics for requests, latency, inference and model identity", async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toContain(
      'lockstep_http_requests_total{route="/v1/models/:name/predict",method="POST",status="200"}',
    );
    expect(text).toContain("lockstep_http_request_duration_seconds_bucket");
    // the /metrics request itself is the one in flight while the text is made
    expect(text).toMatch(/^lockstep_http_requests_in_flight 1$/m);
    expect(text).toContain('lockstep_inference_duration_seconds_count{model="co2-forecast"}');
    expect(text).toContain(
      `lockstep_model_info{model="co2-forecast",version="1",sha256="${candidate.pin.sha256}"} 1`,
    );
    expect(text).toContain('route="unmatched"');
    expect(text).not.toContain("/no/such/route");
  });
});

describe("artifact integrity", () => {
  it("stays unready with an integrity error when the artifact is corrupted", async () => {
    const { dir: other, lock: otherLock, candidate: c } = await trainedProject();
    await writeFile(join(other, ".lockstep", "store", "sha256", c.pin.sha256), "not the model");
    const { server, url: u, waitReady } = await startServer(otherLock, other);
    try {
      await waitReady();
      const ready = await fetch(`${u}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({
        ready: false,
        models: [{ state: "failed", error: { code: "STORE_INTEGRITY" } }],
      });
      const predict = await fetch(`${u}/v1/models/co2-forecast/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      expect(predict.status).toBe(503);
      expect(predict.headers.get("retry-after")).toBe("5");
      expect(await fetch(`${u}/metrics`).then((r) => r.text())).toContain(
        'lockstep_model_load_failures_total{model="co2-forecast",reason="STORE_INTEGRITY"} 1',
      );
    } finally {
      await server.close();
    }
  });

  it("stays unready when the artifact is missing", async () => {
    const { server, url: u, waitReady } = await startServer(lock, `${dir}-elsewhere`);
    try {
      await waitReady();
      expect(await (await fetch(`${u}/readyz`)).json()).toMatchObject({
        ready: false,
        models: [{ state: "failed", error: { code: "STORE_NOT_FOUND" } }],
      });
    } finally {
      await server.close();
    }
  });
});
