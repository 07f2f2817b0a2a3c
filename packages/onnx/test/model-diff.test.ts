import { describe, expect, it } from "vitest";
import onnxProto from "onnx-proto";
import { decodeModel, firstModelDifference, GraphBuilder, withMetadata } from "../src/index.js";

const { onnx } = onnxProto;

function model(weights = [1, 2, 3, 4], op = "MatMul"): Uint8Array {
  const g = new GraphBuilder("m");
  const x = g.input({ name: "x", type: "float32", shape: ["batch", 2] });
  const w = g.initializer({ type: "float32", dims: [2, 2], values: weights });
  g.output({ name: "y", type: "float32", shape: ["batch", 2] }, g.op(op, [x, w]));
  return withMetadata(g.build({ opsets: { "": 13 } }), { card: "{}" });
}

describe("firstModelDifference", () => {
  it("is undefined for the same bytes", () => {
    expect(firstModelDifference(model(), model())).toBeUndefined();
  });

  it("names an initializer whose values differ", () => {
    expect(firstModelDifference(model(), model([1, 2, 3, 5]))).toMatch(
      /^graph initializer "const_0": values differ \([0-9a-f]{12} vs [0-9a-f]{12}\)$/,
    );
  });

  it("names a node whose op differs", () => {
    expect(firstModelDifference(model(), model(undefined, "Add"))).toMatch(
      /^graph node 0 \(MatMul.*op MatMul vs Add$/,
    );
  });

  it("names a metadata key added, removed or changed", () => {
    const base = model();
    const decoded = decodeModel(base);
    decoded.metadataProps.push(onnx.StringStringEntryProto.create({ key: "extra", value: "1" }));
    const added = onnx.ModelProto.encode(decoded).finish();
    expect(firstModelDifference(base, added)).toBe('metadata key "extra": only in the second');
    expect(firstModelDifference(added, base)).toBe('metadata key "extra": only in the first');
    expect(firstModelDifference(base, withMetadata(base, { card: "{ }" }))).toBe(
      'metadata key "card": values differ',
    );
  });

  it("names header fields and refuses what is not ONNX", () => {
    const decoded = decodeModel(model());
    decoded.producerVersion = "9.9";
    expect(firstModelDifference(model(), onnx.ModelProto.encode(decoded).finish())).toMatch(
      /^producerVersion/,
    );
    expect(firstModelDifference(model(), new Uint8Array([0xff, 0xff, 0xff]))).toBe(
      "the second is not an ONNX model",
    );
  });

  it("names a difference inside a subgraph (If, Loop) where it is", () => {
    const withBranch = (value: number) => {
      const decoded = decodeModel(model());
      const branch = onnx.GraphProto.create({
        name: "then",
        initializer: [onnx.TensorProto.create({ name: "k", dims: [1], dataType: 1, floatData: [value] })],
      });
      decoded.graph!.node!.push(
        onnx.NodeProto.create({
          opType: "If",
          attribute: [onnx.AttributeProto.create({ name: "then_branch", type: 5, g: branch })],
        }),
      );
      return onnx.ModelProto.encode(decoded).finish();
    };
    expect(firstModelDifference(withBranch(1), withBranch(2))).toMatch(
      /^graph node \d+ \(If\) attribute "then_branch" initializer "k": values differ/,
    );
  });
});
