import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LockFile } from "@lockstep/lockfile";
import type { Candidate } from "@lockstep/models";
import { startServer, trainedProject } from "./fixture.js";

let lock: LockFile;
let candidate: Candidate;
let url: string;
let close: () => Promise<void>;
let window: number;
let history: number[];

beforeAll(async () => {
  let dir: string;
  ({ dir, lock, candidate } = await trainedProject());
  const started = await startServer(lock, dir);
  url = started.url;
  close = () => started.server.close();
  await started.waitReady();
  window = candidate.trained.card.inputs[0]!.shape[1] as number;
  history = (candidate.trained.card.serving as { history: number[] }).history;
});
afterAll(() => close());

const infer = (body: unknown, path = "/v2/models/co2-forecast/infer") =>
  fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

const historyInput = (data: unknown = history, shape: unknown = [1, window], datatype = "FP32") => ({
  name: "history",
  shape,
  datatype,
  data,
});

describe("Open Inference Protocol v2", () => {
  it("describes the server, its health and the model's signature", async () => {
    expect(await (await fetch(`${url}/v2`)).json()).toMatchObject({
      name: "lockstep-inference",
      extensions: ["classification", "binary_tensor_data"],
    });
    expect(await (await fetch(`${url}/v2/health/live`)).json()).toEqual({ live: true });
    expect((await fetch(`${url}/v2/health/ready`)).status).toBe(200);
    const pin = lock.models["co2-forecast"]!.pins.staging!;
    for (const path of ["/v2/models/co2-forecast", `/v2/models/co2-forecast/versions/${pin.version}`]) {
      const meta = await (await fetch(`${url}${path}`)).json();
      expect(meta).toEqual({
        name: "co2-forecast",
        versions: [pin.version],
        platform: "onnx_onnxv1",
        inputs: [{ name: "history", datatype: "FP32", shape: [-1, window] }],
        outputs: ["forecast", "lower", "upper"].map((name) => ({ name, datatype: "FP32", shape: [-1, 60] })),
        parameters: { sha256: pin.sha256, task: "time-series-forecast" },
      });
    }
    expect(await (await fetch(`${url}/v2/models/co2-forecast/ready`)).json()).toEqual({
      name: "co2-forecast",
      ready: true,
    });
    expect((await fetch(`${url}/v2/models/nope`)).status).toBe(404);
    expect((await fetch(`${url}/v2/models/nope/ready`)).status).toBe(404);
    const wrongVersion = await fetch(`${url}/v2/models/co2-forecast/versions/99`);
    expect(wrongVersion.status).toBe(404);
    expect(await wrongVersion.json()).toMatchObject({ code: "MODEL_VERSION_NOT_FOUND" });
  });

  it("infers with flat or nested data, echoes the id and matches the domain endpoint", async () => {
    const flat = await infer({ id: "req-1", inputs: [historyInput()] });
    expect(flat.status).toBe(200);
    const answer = (await flat.json()) as {
      id: string;
      model_name: string;
      outputs: { name: string; datatype: string; shape: number[]; data: number[] }[];
    };
    expect(answer).toMatchObject({ id: "req-1", model_name: "co2-forecast", model_version: "1" });
    expect(answer.outputs.map((o) => [o.name, o.datatype, o.shape])).toEqual([
      ["forecast", "FP32", [1, 60]],
      ["lower", "FP32", [1, 60]],
      ["upper", "FP32", [1, 60]],
    ]);
    const domain = (await (
      await fetch(`${url}/v1/models/co2-forecast/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ horizon: 3 }),
      })
    ).json()) as { forecast: { value: number }[] };
    domain.forecast.forEach((p, h) => expect(answer.outputs[0]!.data[h]).toBeCloseTo(p.value, 2));

    const nested = await infer({ inputs: [historyInput([history, history], [2, window])] });
    const two = (await nested.json()) as { outputs: { shape: number[]; data: number[] }[] };
    expect(two.outputs[0]!.shape).toEqual([2, 60]);
    expect(two.outputs[0]!.data.slice(60, 63)).toEqual(answer.outputs[0]!.data.slice(0, 3));
  });

  it("filters outputs and answers the classification extension as score:index strings", async () => {
    const response = await infer({
      inputs: [historyInput()],
      outputs: [{ name: "upper" }, { name: "forecast", parameters: { classification: 2 } }],
    });
    const body = (await response.json()) as {
      outputs: { name: string; datatype: string; shape: number[]; data: unknown[] }[];
    };
    expect(body.outputs.map((o) => o.name)).toEqual(["upper", "forecast"]);
    expect(body.outputs[1]).toMatchObject({ datatype: "BYTES", shape: [1, 2] });
    for (const item of body.outputs[1]!.data) expect(item).toMatch(/^[\d.]+:\d+$/);
  });

  it("rejects malformed, wrong-shape and hostile requests with 400 and a message", async () => {
    // deeper than a tensor's rank may be, though well within the JSON body's depth limit
    let deep: unknown = [1];
    for (let i = 0; i < 12; i++) deep = [deep];
    const cases: [unknown, RegExp][] = [
      ["{not json", /JSON/i],
      [[1, 2], /JSON object/],
      [{}, /"inputs" must be a non-empty array/],
      [{ inputs: [] }, /non-empty array/],
      [{ inputs: [historyInput()], extra: 1 }, /unknown field "extra"/],
      [{ inputs: [{ ...historyInput(), name: "x" }] }, /unknown input "x".*history/],
      [{ inputs: [historyInput(history, [1, window], "INT64")] }, /INT64 does not match the model's FP32/],
      [{ inputs: [historyInput(history, [1, window], "FP16")] }, /FP16 is not supported/],
      [{ inputs: [historyInput(history, [1, window], "COMPLEX")] }, /unknown datatype/],
      [{ inputs: [historyInput(history, [window])] }, /"shape" must be 2 integers of at least 1/],
      [{ inputs: [historyInput(history, [1, window + 1])] }, /dimension 1 must be/],
      [{ inputs: [historyInput(history.slice(1))] }, /holds \d+ elements but "data" has \d+/],
      [
        { inputs: [historyInput(history.map((v, i) => (i === 3 ? "x" : v)))] },
        /element 3 must be a finite number/,
      ],
      [{ inputs: [historyInput(deep)] }, /"data"\[0\] must be 60 items/],
      [{ inputs: [historyInput(), historyInput()] }, /given twice/],
      [{ inputs: [historyInput()], outputs: [{ name: "nope" }] }, /unknown output "nope"/],
      [
        { inputs: [historyInput()], outputs: [{ name: "forecast", parameters: { classification: 0 } }] },
        /classification/,
      ],
      [{ inputs: [historyInput()], id: 5 }, /"id" must be a string/],
      [{ inputs: [historyInput(history, [1e7, window])] }, /shape|more than/],
    ];
    for (const [body, pattern] of cases) {
      const response = await infer(body);
      const text = await response.text();
      expect(response.status, text).toBe(400);
      expect(JSON.parse(text).error, JSON.stringify(body).slice(0, 80)).toMatch(pattern);
      expect(text).not.toMatch(/at .*\.ts:\d+/);
    }
    expect((await infer({ inputs: [historyInput()] }, "/v2/models/nope/infer")).status).toBe(404);
  });
});

/** A binary-extension body: the JSON header, then each input's little-endian bytes. */
function binaryBody(header: unknown, tensors: Buffer[]): { body: Buffer; headerLength: number } {
  const json = Buffer.from(JSON.stringify(header));
  return { body: Buffer.concat([json, ...tensors]), headerLength: json.length };
}

const sendBinary = (body: Buffer, headerLength: string | undefined) =>
  fetch(`${url}/v2/models/co2-forecast/infer`, {
    method: "POST",
    headers: {
      "content-type": "application/octet-stream",
      ...(headerLength === undefined ? {} : { "inference-header-content-length": headerLength }),
    },
    body,
  });

describe("Open Inference Protocol binary tensor extension", () => {
  const fp32 = (values: number[]) => Buffer.from(Float32Array.from(values).buffer);
  const header = (size: number, extra: Record<string, unknown> = {}) => ({
    id: "bin",
    inputs: [
      {
        name: "history",
        shape: [1, window],
        datatype: "FP32",
        parameters: { binary_data_size: size },
        ...extra,
      },
    ],
  });

  it("answers binary tensors exactly as the same request in JSON", async () => {
    const { body, headerLength } = binaryBody(header(window * 4), [fp32(history)]);
    const binary = await sendBinary(body, String(headerLength));
    expect(binary.status).toBe(200);
    const json = await infer({ id: "bin", inputs: [historyInput()] });
    const [a, b] = (await Promise.all([binary.json(), json.json()])) as { id: string; outputs: unknown }[];
    expect(a!.id).toBe("bin");
    expect(a!.outputs).toEqual(b!.outputs);
  });

  it("refuses malformed binary requests with 400 and a message", async () => {
    const good = binaryBody(header(window * 4), [fp32(history)]);
    const own = (h: unknown, tensors: Buffer[]): [Buffer, string] => {
      const { body, headerLength } = binaryBody(h, tensors);
      return [body, String(headerLength)];
    };
    const cases: [Buffer, string | undefined, RegExp][] = [
      [good.body, undefined, /needs the inference-header-content-length header/],
      [good.body, "abc", /must be the JSON header's byte length/],
      [good.body, String(good.body.length + 1), /must be the JSON header's byte length/],
      [good.body, String(good.headerLength - 1), /not valid JSON/],
      [...own(header(window * 4 + 4), [fp32(history)]), /runs past the body/],
      [...own(header(window * 4 - 2), [fp32(history).subarray(0, window * 4 - 2)]), /its shape needs/],
      [...own(header(window * 4 - 4), [fp32(history)]), /belong to none/],
      [...own(header(-4), []), /non-negative integer/],
      [...own(header(window * 4, { data: [1] }), [fp32(history)]), /not both/],
      [...own(header(8), [fp32([1, 2])]), /shape|elements/],
      [...own(header(window * 4, { datatype: "FP16" }), [fp32(history)]), /FP16/],
    ];
    for (const [body, length, message] of cases) {
      const response = await sendBinary(body, length);
      const answer = (await response.json()) as { error: string; code: string };
      expect({ status: response.status, code: answer.code }, answer.error).toEqual({
        status: 400,
        code: "INFER_REQUEST_INVALID",
      });
      expect(answer.error).toMatch(message);
    }
    const domain = await fetch(`${url}/v1/models/co2-forecast/predict`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: good.body,
    });
    expect(domain.status).toBe(415);
  });
});
