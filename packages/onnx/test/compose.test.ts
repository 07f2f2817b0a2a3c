import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import {
  attr,
  composeModels,
  GraphBuilder,
  minMaxScale,
  normalizeImage,
  softmax,
  standardize,
  topK,
} from "../src/index.js";

async function run(model: Uint8Array, feeds: Record<string, ort.Tensor>) {
  const session = await ort.InferenceSession.create(model);
  const out = await session.run(feeds);
  await session.release();
  return out;
}

/** A stand-in backbone: x [batch, 4] -> features = relu(x W) [batch, 3] (plus an unused second output). */
function backbone(): Uint8Array {
  const g = new GraphBuilder("backbone");
  const x = g.input({ name: "input", type: "float32", shape: ["batch", 4] });
  const w = g.initializer({
    type: "float32",
    dims: [4, 3],
    values: [1, -1, 0.5, 2, 0, -0.5, -1, 1, 1, 0.5, 0.5, -2],
  });
  const features = g.op("Relu", [g.op("MatMul", [x, w])]);
  g.output({ name: "features", type: "float32", shape: ["batch", 3] }, features);
  g.output({ name: "logits", type: "float32", shape: ["batch", 3] }, g.op("Neg", [features]));
  return g.build({ opsets: { "": 13 } });
}

/** A stand-in head: features [batch, 3] -> probabilities [batch, 5] and the top-3. */
function head(): Uint8Array {
  const g = new GraphBuilder("head");
  const x = g.input({ name: "features", type: "float32", shape: ["batch", 3] });
  const scaled = standardize(g, x, [0.5, 0.5, 0.5], [2, 2, 2]);
  const w = g.initializer({
    type: "float32",
    dims: [3, 5],
    values: Array.from({ length: 15 }, (_, i) => ((i * 7) % 5) - 2),
  });
  const probabilities = softmax(g, g.op("MatMul", [scaled, w]));
  const top = topK(g, probabilities, 3);
  g.output({ name: "probabilities", type: "float32", shape: ["batch", 5] }, probabilities);
  g.output({ name: "top_scores", type: "float32", shape: ["batch", 3] }, top.values);
  g.output({ name: "top_indices", type: "int64", shape: ["batch", 3] }, top.indices);
  return g.build({ opsets: { "": 17 } });
}

describe("graph composition", () => {
  it("a backbone composed with a head equals running them one after the other", async () => {
    const composed = composeModels(backbone(), head(), {
      connect: { features: "features" },
      keepOutputs: ["features"],
    });
    for (const batch of [1, 3]) {
      const input = new ort.Tensor(
        "float32",
        Float32Array.from({ length: batch * 4 }, (_, i) => Math.sin(i)),
        [batch, 4],
      );
      const features = (await run(backbone(), { input })).features!;
      const separate = await run(head(), { features });
      const together = await run(composed, { input });
      expect(Object.keys(together).sort()).toEqual([
        "features",
        "head/probabilities",
        "head/top_indices",
        "head/top_scores",
      ]);
      expect(Array.from(together["head/probabilities"]!.data as Float32Array)).toEqual(
        Array.from(separate.probabilities!.data as Float32Array),
      );
      expect(together["head/top_indices"]!.data).toEqual(separate.top_indices!.data);
      const scores = Array.from(together["head/top_scores"]!.data as Float32Array).slice(0, 3);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
    }
  });

  it("rejects connections to names that do not exist, and garbage models", () => {
    expect(() => composeModels(backbone(), head(), { connect: { nope: "features" } })).toThrow(
      /no output "nope"/,
    );
    expect(() => composeModels(backbone(), head(), { connect: { features: "nope" } })).toThrow(
      /no input "nope"/,
    );
    expect(() => composeModels(new Uint8Array([255, 255, 1]), head(), { connect: {} })).toThrow(
      /not an ONNX model/,
    );
  });

  it("folds min-max scaling and image normalisation into the graph", async () => {
    const g = new GraphBuilder("prep");
    const x = g.input({ name: "x", type: "float32", shape: ["batch", 2] });
    g.output({ name: "y", type: "float32", shape: ["batch", 2] }, minMaxScale(g, x, [0, 10], [4, 10]));
    const out = await run(g.build(), {
      x: new ort.Tensor("float32", Float32Array.from([2, 10, 4, 12]), [2, 2]),
    });
    expect(Array.from(out.y!.data as Float32Array)).toEqual([0.5, 0, 1, 0]);

    const img = new GraphBuilder("image");
    const pixels = img.input({ name: "pixels", type: "float32", shape: ["batch", 3, 1, 2] });
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    img.output(
      { name: "normalized", type: "float32", shape: ["batch", 3, 1, 2] },
      normalizeImage(img, pixels, { scale: 1 / 255, mean, std }),
    );
    const raw = [0, 255, 128, 64, 32, 200];
    const result = await run(img.build(), {
      pixels: new ort.Tensor("float32", Float32Array.from(raw), [1, 3, 1, 2]),
    });
    raw.forEach((v, i) => {
      const c = Math.floor(i / 2);
      expect((result.normalized!.data as Float32Array)[i]).toBeCloseTo((v / 255 - mean[c]!) / std[c]!, 5);
    });
    expect(() => normalizeImage(img, pixels, { mean: [0], std: [0] })).toThrow(/positive std/);
    expect(() => topK(img, pixels, 0)).toThrow(/k >= 1/);
    expect(attr.int(1)).toEqual({ kind: "int", value: 1 });
  });
});
