import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import {
  attr,
  cardMetadata,
  checkParity,
  GraphBuilder,
  OnnxError,
  readCard,
  type ModelCard,
} from "../src/index.js";

function affineModel(metadata: Record<string, string> = {}): Uint8Array {
  const g = new GraphBuilder("affine");
  const x = g.input({ name: "x", type: "float32", shape: ["batch", 3] });
  const w = g.initializer({ type: "float32", dims: [3, 2], values: [1, 2, 3, 4, 5, 6] });
  const b = g.initializer({ type: "float32", dims: [2], values: [0.5, -0.5] });
  const y = g.op("Gemm", [x, w, b], { alpha: attr.float(2), beta: attr.float(1) });
  const t = g.op("Transpose", [y], { perm: attr.ints([1, 0]) });
  const m = g.op("ReduceMean", [t], { axes: attr.ints([0]), keepdims: attr.int(0) });
  g.output({ name: "y", type: "float32", shape: ["batch", 2] }, y);
  g.output({ name: "mean", type: "float32", shape: ["batch"] }, m);
  return g.build({ opsets: { "": 17 }, metadata });
}

const card: ModelCard = {
  cardVersion: 1,
  name: "affine",
  task: "regression",
  description: "test",
  inputs: [{ name: "x", type: "float32", shape: ["batch", 3] }],
  outputs: [{ name: "y", type: "float32", shape: ["batch", 2] }],
  params: { b: 1, a: [1, 2] },
  seed: 7,
  metrics: { rmse: 0.5 },
  evaluation: { protocol: "none" },
  data: { source: "test", sha256: "0".repeat(64), rows: 0 },
  trainer: { name: "test", version: "1" },
};

describe("GraphBuilder", () => {
  it("builds a model onnxruntime runs, with a symbolic batch dimension and typed attributes", async () => {
    const session = await ort.InferenceSession.create(affineModel());
    for (const batch of [1, 4]) {
      const data = Float32Array.from({ length: batch * 3 }, (_, i) => i / 10);
      const out = await session.run({ x: new ort.Tensor("float32", data, [batch, 3]) });
      expect(out.y!.dims).toEqual([batch, 2]);
      for (let r = 0; r < batch; r++) {
        const [a, b, c] = [data[r * 3]!, data[r * 3 + 1]!, data[r * 3 + 2]!];
        const y0 = 2 * (a * 1 + b * 3 + c * 5) + 0.5;
        const y1 = 2 * (a * 2 + b * 4 + c * 6) - 0.5;
        expect(out.y!.data[r * 2]).toBeCloseTo(y0, 5);
        expect(out.y!.data[r * 2 + 1]).toBeCloseTo(y1, 5);
        expect(out.mean!.data[r]).toBeCloseTo((y0 + y1) / 2, 5);
      }
    }
    await session.release();
  });

  it("is deterministic: the same calls give the same bytes", () => {
    expect(Buffer.from(affineModel(cardMetadata(card)))).toEqual(
      Buffer.from(affineModel(cardMetadata(card))),
    );
  });

  it("rejects dangling inputs, duplicate names and wrong-sized tensors", () => {
    const g = new GraphBuilder("bad");
    g.input({ name: "x", type: "float32", shape: [1] });
    expect(() => g.op("Relu", ["nope"])).toThrow(/no input, initializer or node defines/);
    expect(() => g.input({ name: "x", type: "float32", shape: [1] })).toThrow(/duplicate/);
    expect(() => g.initializer({ type: "float32", dims: [2, 2], values: [1, 2, 3] })).toThrow(
      /needs 4 values/,
    );
    expect(() => new GraphBuilder("empty").build()).toThrow(/no outputs/);
  });
});

describe("model card", () => {
  it("round-trips through metadata_props with sorted keys", () => {
    const bytes = affineModel(cardMetadata(card));
    expect(readCard(bytes)).toEqual(card);
  });

  it("reports garbage bytes, a missing card and a malformed card", () => {
    expect(() => readCard(new Uint8Array([0xff, 0xff, 0xff, 0x01]))).toThrow(OnnxError);
    expect(() => readCard(affineModel())).toThrow(/no "lockstep.card"/);
    expect(() => readCard(affineModel({ "lockstep.card": "{not json" }))).toThrow(/not valid JSON/);
    expect(() => readCard(affineModel({ "lockstep.card": '{"cardVersion":2}' }))).toThrow(
      /lacks cardVersion 1/,
    );
  });
});

describe("parity check", () => {
  const input = { name: "x", data: Float32Array.from([1, 2, 3, 4, 5, 6]), dims: [2, 3] };
  const expected = [2 * 22 + 0.5, 2 * 28 - 0.5, 2 * 49 + 0.5, 2 * 64 - 0.5];

  it("passes when onnxruntime matches the trainer", async () => {
    const report = await checkParity(affineModel(), input, { name: "y", expected });
    expect(report.rows).toBe(2);
    expect(report.maxAbsDiff).toBeLessThan(1e-4);
  });

  it("fails when any value differs by more than the tolerance", async () => {
    const off = [...expected];
    off[3] = off[3]! + 0.001;
    await expect(checkParity(affineModel(), input, { name: "y", expected: off })).rejects.toMatchObject({
      code: "ONNX_PARITY",
    });
    await expect(checkParity(affineModel(), input, { name: "y", expected: [1] })).rejects.toThrow(
      /has 4 values/,
    );
  });
});
