import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, trainedProject } from "./fixture.js";
import { rawRequest } from "../testing/raw-http.js";

// Refusals on declared sizes, before the body is read: every request here sends its head and
// nothing (or only the binary JSON header) of the body it declares, with Connection: close. A server
// that waited for the body would answer 408 at its body deadline (set far away here), never these.

const MiB = 2 ** 20;
const INFER = "/v2/models/co2-forecast/infer";
const PREDICT = "/v1/models/co2-forecast/predict";

let url: string;
let window: number;
let close: () => Promise<void>;

beforeAll(async () => {
  const { dir, lock, candidate } = await trainedProject();
  window = candidate.trained.card.inputs[0]!.shape[1] as number;
  const started = await startServer(lock, dir, {
    config: { maxInFlightBytes: 40 * MiB, bodyTimeoutMs: 120_000, requestTimeoutMs: 120_000 },
  });
  ({ url } = started);
  close = () => started.server.close();
  await started.waitReady();
}, 120_000);
afterAll(() => close());

const head = (path: string, type: string, headers: Record<string, string>) =>
  `POST ${path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: ${type}\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("")}\r\n`;

const outcome = async (request: string | Buffer) => {
  const answer = await rawRequest(url, request, 20_000);
  const code = answer.body ? ((JSON.parse(answer.body) as { code?: string }).code ?? "") : "";
  return {
    status: answer.status,
    code,
    retryAfter: answer.headers["retry-after"],
    connection: answer.headers.connection,
  };
};

/** A binary infer's head and JSON header for `rows` rows, declaring (not sending) the tensor bytes. */
function binaryHeadOnly(
  rows: number,
  overrides: { size?: number; headerLength?: string; length?: number } = {},
) {
  const size = rows * window * 4;
  const header = JSON.stringify({
    inputs: [
      {
        name: "history",
        datatype: "FP32",
        shape: [rows, window],
        parameters: { binary_data_size: overrides.size ?? size },
      },
    ],
  });
  return (
    head(INFER, "application/octet-stream", {
      "Content-Length": String(overrides.length ?? header.length + size),
      "Inference-Header-Content-Length": overrides.headerLength ?? String(header.length),
    }) + header
  );
}

async function alive() {
  const response = await fetch(`${url}${PREDICT}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"horizon": 2}',
  });
  expect(response.status).toBe(200);
}

describe("refusals on declared sizes, before the body", () => {
  it.each([
    ["a negative Content-Length", "-1"],
    ["a non-numeric Content-Length", "12abc"],
    ["a Content-Length past 2^64", "99999999999999999999999"],
    ["two Content-Lengths", "5, 6"],
  ])("answers 400 to %s (node's parser) and lives", async (_what, length) => {
    const answer = await outcome(head(PREDICT, "application/json", { "Content-Length": length }));
    expect(answer).toMatchObject({ status: 400, code: "BAD_REQUEST" });
    await alive();
  });

  it("answers 413 to a Content-Length over the body limit of its kind", async () => {
    const json = await outcome(head(PREDICT, "application/json", { "Content-Length": String(64 * MiB) }));
    expect(json).toMatchObject({ status: 413, code: "BODY_TOO_LARGE", connection: "close" });
    const binary = await outcome(
      head(INFER, "application/octet-stream", {
        "Content-Length": String(2 ** 40),
        "Inference-Header-Content-Length": "100",
      }),
    );
    expect(binary).toMatchObject({ status: 413, code: "BODY_TOO_LARGE" });
  });

  it("answers 413 to a body that alone would take more than the in-flight byte budget", async () => {
    // 30 MB is within the 32 MiB binary limit, but held with its decoded copy it needs 60 MB of 40 MiB
    const answer = await outcome(
      head(PREDICT, "application/octet-stream", { "Content-Length": String(30_000_000) }),
    );
    expect(answer).toMatchObject({ status: 413, code: "REQUEST_TOO_LARGE", connection: "close" });
  });

  it.each([
    ["non-numeric", "abc"],
    ["negative", "-5"],
    ["huge", "99999999999"],
    ["longer than the body", "1000"],
    ["too short to be JSON", "1"],
  ])("answers 400 to an Inference-Header-Content-Length that is %s", async (_what, value) => {
    const answer = await outcome(
      head(INFER, "application/octet-stream", {
        "Content-Length": "500",
        "Inference-Header-Content-Length": value,
      }),
    );
    expect(answer).toMatchObject({ status: 400, code: "INFER_REQUEST_INVALID" });
  });

  it("answers 413 from the binary header alone when its rows imply an answer over the limit", async () => {
    // 16 MB of rows: an answer of ~50 MB of JSON; the tensor bytes are never sent
    const rows = Math.floor(16_000_000 / (4 * window));
    const answer = await outcome(binaryHeadOnly(rows));
    expect(answer).toMatchObject({ status: 413, code: "ANSWER_TOO_LARGE", connection: "close" });
  });

  it("answers 400 from the binary header alone when its sizes contradict its shapes or the body", async () => {
    const wrongSize = await outcome(binaryHeadOnly(2, { size: 2 * window * 4 + 4, length: 10_000 }));
    expect(wrongSize).toMatchObject({ status: 400, code: "INFER_REQUEST_INVALID" });
    const shapeMismatch = await outcome(
      binaryHeadOnly(2, { size: 3 * window * 4, length: undefined }).replace(
        /Content-Length: \d+/,
        (m) => `Content-Length: ${Number(m.split(": ")[1]) + window * 4}`,
      ),
    );
    expect(shapeMismatch).toMatchObject({ status: 400, code: "INFER_REQUEST_INVALID" });
    await alive();
  });

  it("lets slow bodies declaring large sizes hold only the bytes they sent", async () => {
    const { hostname, port } = new URL(url);
    // ten bodies declaring 15 MB each (30 MB apiece with their copy, 300 MB together, over the
    // 40 MiB budget if held as declared), each sending 1000 bytes and then nothing
    const slow: Socket[] = Array.from({ length: 10 }, () => {
      const socket = connect(Number(port), hostname);
      socket.on("error", () => {});
      socket.write(head(PREDICT, "application/octet-stream", { "Content-Length": String(15_000_000) }));
      socket.write(Buffer.alloc(1000));
      return socket;
    });
    let answered = 0;
    for (const socket of slow) socket.on("data", () => answered++);
    try {
      // all ten admitted, together holding what they sent (×2), not what they declared
      for (;;) {
        const metrics = await (await fetch(`${url}/metrics`)).text();
        const held = Number(/^lockstep_in_flight_bytes (\d+)/m.exec(metrics)?.[1] ?? 0);
        if (held === 10 * 1000 * 2) break;
        expect(answered, "a slow body was answered (refused) instead of held").toBe(0);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await alive();
    } finally {
      for (const socket of slow) socket.destroy();
    }
  });

  it("answers 503 with Retry-After while others hold the budget, and takes bodies again once they go", async () => {
    const { hostname, port } = new URL(url);
    // a 20 MB body (40 MB held with its copy, of a 40 MiB budget): 15 MB of it sent, then stalled
    const holder: Socket = connect(Number(port), hostname);
    holder.on("error", () => {});
    holder.write(head(PREDICT, "application/octet-stream", { "Content-Length": String(20_000_000) }));
    holder.write(Buffer.alloc(15_000_000));
    // wait until the server holds those bytes (its gauge says so)
    for (;;) {
      const metrics = await (await fetch(`${url}/metrics`)).text();
      const held = Number(/^lockstep_in_flight_bytes (\d+)/m.exec(metrics)?.[1] ?? 0);
      if (held >= 30_000_000) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const probe = head(PREDICT, "application/octet-stream", { "Content-Length": String(8_000_000) });
    expect(await outcome(probe)).toMatchObject({ status: 503, code: "MEMORY_BUSY", retryAfter: "1" });
    holder.destroy();
    for (;;) {
      const metrics = await (await fetch(`${url}/metrics`)).text();
      if (/^lockstep_in_flight_bytes 0$/m.test(metrics)) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // the same request, body and all, is now read (and answered for what it is: no binary /v1 here)
    const sent = await outcome(Buffer.concat([Buffer.from(probe), Buffer.alloc(8_000_000)]));
    expect(sent).toMatchObject({ status: 415, code: "UNSUPPORTED_MEDIA_TYPE" });
    await alive();
  });
});
