import { connect } from "node:net";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LockFile } from "@lockstep/lockfile";
import { LruCache } from "../src/index.js";
import { startServer, trainedProject } from "./fixture.js";
import { rawRequest } from "../testing/raw-http.js";
import { decodeBinaryRequest } from "../src/open-inference/binary.js";

// One regression test per failure found by hand against `npm start` (issue 21), each against the
// real server: real onnxruntime, real sockets.

let dir: string;
let lock: LockFile;
let window: number;
let history: number[];

beforeAll(async () => {
  let candidate;
  ({ dir, lock, candidate } = await trainedProject());
  window = candidate.trained.card.inputs[0]!.shape[1] as number;
  history = (candidate.trained.card.serving as { history: number[] }).history.slice(-window);
}, 120_000);

const json = (url: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
const INFER = "/v2/models/co2-forecast/infer";
const PREDICT = "/v1/models/co2-forecast/predict";

/** A binary OIP body: the JSON header, then the tensors' bytes. */
function binaryBody(header: unknown, ...tensors: Buffer[]): { body: Buffer; headerLength: number } {
  const head = Buffer.from(JSON.stringify(header));
  return { body: Buffer.concat([head, ...tensors]), headerLength: head.length };
}
const sendBinary = (url: string, body: Buffer, headerLength: number | string) =>
  fetch(`${url}${INFER}`, {
    method: "POST",
    headers: {
      "content-type": "application/octet-stream",
      "inference-header-content-length": String(headerLength),
    },
    body,
  });

async function expectAlive(url: string) {
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  expect((await fetch(`${url}/readyz`)).status).toBe(200);
  const ok = await json(url, PREDICT, { horizon: 2 });
  expect(ok.status).toBe(200);
}

async function expectRefused(response: Response, status: number, code?: string) {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  const body = JSON.parse(text) as { error: string; code: string };
  expect(typeof body.error).toBe("string");
  if (code) expect(body.code).toBe(code);
  expect(text).not.toMatch(/\n\s+at /);
  return body;
}

describe.each([
  ["inline", {}],
  ["worker", { inline: false }],
  ["batched", { inline: false, batching: { "co2-forecast": { maxWaitMs: 5, maxBatch: 64 } } }],
])("zero-sized tensors never reach onnxruntime (%s)", (_path, options) => {
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const started = await startServer(lock, dir, { config: options });
    ({ url } = started);
    close = () => started.server.close();
    await started.waitReady();
  });
  afterAll(() => close());

  it("refuses a zero batch dimension in JSON", async () => {
    const input = { name: "history", datatype: "FP32", shape: [0, window], data: [] };
    await expectRefused(await json(url, INFER, { inputs: [input] }), 400, "INFER_REQUEST_INVALID");
    await expectAlive(url);
  });

  it("refuses binary_data_size 0", async () => {
    const header = {
      inputs: [
        { name: "history", datatype: "FP32", shape: [0, window], parameters: { binary_data_size: 0 } },
      ],
    };
    const { body, headerLength } = binaryBody(header);
    await expectRefused(await sendBinary(url, body, headerLength), 400, "INFER_REQUEST_INVALID");
    await expectAlive(url);
  });
});

describe("clients that go away or crowd in", () => {
  it("logs a client gone mid-body without an error or a stack, and keeps serving", async () => {
    const lines: string[] = [];
    const logger = pino({ level: "debug" }, { write: (line: string) => lines.push(line) });
    const started = await startServer(lock, dir, { logger });
    await started.waitReady();
    const port = Number(new URL(started.url).port);
    for (let i = 0; i < 20; i++) {
      const socket = connect(port, "127.0.0.1");
      socket.on("error", () => {});
      await new Promise((resolve) => socket.once("connect", resolve));
      socket.write(
        `POST ${PREDICT} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"hor`,
      );
      await new Promise((resolve) => setTimeout(resolve, 5));
      socket.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expectAlive(started.url);
    const logged = lines.map((line) => JSON.parse(line) as { level: number; msg: string; err?: unknown });
    expect(logged.filter((entry) => entry.level >= 50)).toEqual([]);
    expect(lines.join("")).not.toMatch(/"stack"/);
    await started.server.close();
  });

  it("caps the requests one client may have in progress when configured", async () => {
    const started = await startServer(lock, dir, {
      config: {
        maxInFlightPerClient: 2,
        inline: false,
        batching: { "co2-forecast": { maxWaitMs: 200, maxBatch: 64 } },
      },
    });
    await started.waitReady();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => json(started.url, PREDICT, { horizon: 2 })),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 503, 503, 503]);
    const refused = answers.find((r) => r.status === 503)!;
    expect(await refused.json()).toMatchObject({ code: "CLIENT_LIMIT" });
    await started.server.close();
  });
});

describe("bodies being received", () => {
  it("are bounded apart from inference: beyond the bound 503, and the slots come back at the deadline", async () => {
    const started = await startServer(lock, dir, { config: { maxReceiving: 3, bodyTimeoutMs: 200 } });
    await started.waitReady();
    const port = Number(new URL(started.url).port);
    const sockets = Array.from({ length: 3 }, () => {
      const socket = connect(port, "127.0.0.1");
      socket.on("error", () => {});
      socket.write(
        `POST ${PREDICT} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{`,
      );
      return socket;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const refused = await expectRefused(await json(started.url, PREDICT, { horizon: 2 }), 503, "OVERLOADED");
    expect(refused.error).toMatch(/request bodies being received/);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await expectAlive(started.url);
    for (const socket of sockets) socket.destroy();
    await started.server.close();
  });
});

describe("the server's hardening", () => {
  const lru = new LruCache(1000, 4 * 1024 * 1024);
  let url: string;
  let close: () => Promise<void>;
  let metricsText: () => Promise<string>;
  beforeAll(async () => {
    const started = await startServer(lock, dir, {
      cacheBackend: lru,
      config: {
        requestTimeoutMs: 2_000,
        bodyTimeoutMs: 300,
        maxInFlight: 8,
        cache: { ttlSeconds: 60, maxEntryBytes: 256 * 1024 },
      },
    });
    ({ url } = started);
    close = () => started.server.close();
    metricsText = async () => (await fetch(`${url}/metrics`)).text();
    await started.waitReady();
  });
  afterAll(() => close());

  it("bounds the cache by bytes and refuses answers over the answer limit", async () => {
    // 15 MiB of binary rows would answer ~70 MB of JSON: refused before the run
    const rows = Math.floor((15 * 1024 * 1024) / (4 * window));
    const tensor = Buffer.alloc(rows * window * 4);
    for (let i = 0; i < rows * window; i++) tensor.writeFloatLE(history[i % window]!, i * 4);
    const big = binaryBody(
      {
        inputs: [
          {
            name: "history",
            datatype: "FP32",
            shape: [rows, window],
            parameters: { binary_data_size: tensor.length },
          },
        ],
      },
      tensor,
    );
    await expectRefused(await sendBinary(url, big.body, big.headerLength), 413, "ANSWER_TOO_LARGE");
    // distinct answers of ~100-300 KB each: the cache keeps its byte budget, larger ones are not cached
    for (let n = 1; n <= 40; n++) {
      const rowsN = 60 + n * 4;
      const data = Array.from({ length: rowsN * window }, (_, i) => history[i % window]! + n / 100);
      const input = { name: "history", datatype: "FP32", shape: [rowsN, window], data };
      expect((await json(url, INFER, { inputs: [input] })).status).toBe(200);
      expect(lru.bytes).toBeLessThanOrEqual(lru.maxBytes);
    }
    expect(lru.size).toBeGreaterThan(0);
    expect(await metricsText()).toMatch(/lockstep_cache_skipped_total\{reason="too_large"\} [1-9]/);
    await expectAlive(url);
  });

  it("answers 400, not 500, to non-finite numbers anywhere in a JSON body", async () => {
    for (const [path, body] of [
      [PREDICT, '{"horizon": 1e309}'],
      [PREDICT, `{"horizon": 2, "history": [${history.slice(0, -1).join(",")}, 1e309]}`],
      [INFER, `{"inputs": [{"name": "history", "datatype": "FP32", "shape": [1, 1], "data": [-1e309]}]}`],
      [INFER, `{"parameters": {"x": 1e309}, "inputs": []}`],
    ] as const) {
      const refused = await expectRefused(await json(url, path, body), 400);
      expect(refused.error).toMatch(/finite|too large|range/i);
    }
    await expectAlive(url);
  });

  it("labels 405 and 501 answers by route pattern, never by the raw path", async () => {
    for (let i = 0; i < 50; i++) {
      await fetch(`${url}/v2/models/junk-${i}/ready`, { method: "DELETE" });
      await fetch(`${url}/v1/models/junk-${i}/predict`, { method: "PUT" });
    }
    const text = await metricsText();
    expect(text).not.toContain("junk-");
  });

  it("answers what node's parser refuses with a JSON error too", async () => {
    for (const request of [
      "POST /v2 HTTP/1.1\r\nConnection: close\r\n\r\n", // no Host
      "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
    ]) {
      const answer = await rawRequest(url, request);
      expect([400, 431]).toContain(answer.status);
      expect(JSON.parse(answer.body)).toMatchObject({ code: expect.any(String), error: expect.any(String) });
    }
  });

  it("answers TRACE and PROPFIND with a JSON error", async () => {
    for (const method of ["TRACE", "PROPFIND"]) {
      const answer = await rawRequest(url, `${method} /v2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.headers["content-type"]).toMatch(/application\/json/);
      expect(JSON.parse(answer.body)).toMatchObject({ code: expect.any(String), error: expect.any(String) });
    }
  });

  it("keeps inference answering under stalled bodies and answers them 408 at the deadline", async () => {
    // more stalled bodies than the server has inference slots: a body in progress holds none
    const sockets = Array.from({ length: 12 }, () => {
      const socket = connect(Number(new URL(url).port), "127.0.0.1");
      socket.on("error", () => {});
      socket.write(
        `POST ${PREDICT} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"hor\r\n`,
      );
      const answer = new Promise<string>((resolve) => {
        let text = "";
        socket.on("data", (chunk) => (text += chunk));
        socket.on("close", () => resolve(text));
      });
      return { socket, answer };
    });
    await new Promise((resolve) => setTimeout(resolve, 600));
    // the stalled ones still hold their sockets open, yet inference answers
    await expectAlive(url);
    const answers = await Promise.all(sockets.map(({ answer }) => answer));
    for (const text of answers) expect(text).toMatch(/^HTTP\/1\.1 408/);
    for (const { socket } of sockets) socket.destroy();
    expect(await metricsText()).toMatch(/lockstep_requests_rejected_total\{reason="body_timeout"\} [1-9]/);
  });

  it("checks datatype and shape before expanding binary tensors", async () => {
    const size = 4 * 1024 * 1024;
    const header = {
      inputs: [
        { name: "history", datatype: "BOOL", shape: [1, size], parameters: { binary_data_size: size } },
      ],
    };
    const { body, headerLength } = binaryBody(header, Buffer.alloc(size, 1));
    const refused = await expectRefused(await sendBinary(url, body, headerLength), 400);
    expect(refused.error).toMatch(/datatype BOOL/);
  });

  it("keeps binary tensors as bytes until their datatype and shape are checked", () => {
    const size = 1024 * 1024;
    const { body, headerLength } = binaryBody(
      {
        inputs: [
          { name: "history", datatype: "BOOL", shape: [1, size], parameters: { binary_data_size: size } },
        ],
      },
      Buffer.alloc(size, 1),
    );
    const decoded = decodeBinaryRequest(body, String(headerLength), 32) as { inputs: { data: unknown }[] };
    // not a million JS booleans: the bytes, read into a typed array only once the input checks out
    expect(Array.isArray(decoded.inputs[0]!.data)).toBe(false);
    expect((decoded.inputs[0]!.data as { bytes: Buffer }).bytes.length).toBe(size);
  });

  it("refuses ragged nested data", async () => {
    const rows = [history.slice(0, window), history.slice(0, window - 1)];
    const input = { name: "history", datatype: "FP32", shape: [2, window], data: [...rows, [history[0]]] };
    const refused = await expectRefused(await json(url, INFER, { inputs: [input] }), 400);
    expect(refused.error).toMatch(/shape|ragged|row/);
  });

  it("refuses FP32 values beyond float32's range instead of answering null", async () => {
    const data = [...history.slice(0, window - 1), 1e39];
    const input = { name: "history", datatype: "FP32", shape: [1, window], data };
    const refused = await expectRefused(await json(url, INFER, { inputs: [input] }), 400);
    expect(refused.error).toMatch(/float32|FP32/);
  });

  it("never echoes a whole offending value", async () => {
    const huge = "x".repeat(500_000);
    const input = {
      name: "history",
      datatype: "FP32",
      shape: [1, window],
      data: [huge, ...history.slice(1)],
    };
    const response = await json(url, INFER, { inputs: [input] });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(text.length).toBeLessThan(2_000);
    const predict = await json(url, PREDICT, { horizon: huge });
    expect((await predict.text()).length).toBeLessThan(2_000);
  });

  it("does not echo the bytes of a binary header that is not JSON", async () => {
    const body = Buffer.from('{"inputs": SECRET-TOKEN-123}');
    const refused = await expectRefused(await sendBinary(url, body, body.length), 400);
    expect(refused.error).not.toContain("SECRET");
  });

  it("applies the JSON depth limit to binary headers", async () => {
    const deep = `{"inputs": [], "parameters": {"a": ${"[".repeat(40)}${"]".repeat(40)}}}`;
    const body = Buffer.from(deep);
    const refused = await expectRefused(await sendBinary(url, body, body.length), 400);
    expect(refused.error).toMatch(/deep|nest/);
  });

  it("sends nosniff on JSON answers and forbids framing the page", async () => {
    for (const response of [
      await fetch(`${url}/v2`),
      await json(url, PREDICT, { horizon: 2 }),
      await json(url, PREDICT, "{"),
      await fetch(`${url}/nowhere`),
    ]) {
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    }
    const page = await fetch(`${url}/`);
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });
});
