import { attr, GraphBuilder, topK } from "@lockstep/onnx";
import type { LinearHead } from "./head.js";

/**
 * The image preprocessing folded into the model: uint8 RGB [batch, size, size, 3] (what
 * prepareImage returns) -> float, scaled and normalised per channel, in the layout the next model
 * reads ("nchw" for zoo backbones, "nhwc" for tfjs CNNs).
 */
export function preprocessGraph(options: {
  size: number;
  layout: "nchw" | "nhwc";
  scale: number;
  mean: number[];
  std: number[];
  opset: number;
}): Uint8Array {
  const g = new GraphBuilder("preprocess");
  const image = g.input({
    name: "image",
    type: "uint8",
    shape: ["batch", options.size, options.size, 3],
    description: "RGB pixels, height x width x channel, after resize and centre crop",
  });
  let x = g.op("Cast", [image], { to: attr.int(1) });
  const nchw = options.layout === "nchw";
  if (nchw) x = g.op("Transpose", [x], { perm: attr.ints([0, 3, 1, 2]) });
  const dims = nchw ? [1, 3, 1, 1] : [3];
  const mul = g.initializer({ type: "float32", dims, values: options.std.map((s) => options.scale / s) });
  const add = g.initializer({
    type: "float32",
    dims,
    values: options.mean.map((m, c) => -m / options.std[c]!),
  });
  x = g.op("Add", [g.op("Mul", [x, mul]), add]);
  const shape = nchw ? ["batch", 3, options.size, options.size] : ["batch", options.size, options.size, 3];
  g.output({ name: "pixels", type: "float32", shape }, x);
  return g.build({ opsets: { "": options.opset } });
}

/**
 * The classification end: optional linear head on features (standardisation folded into its
 * weights), softmax, and the top-k classes: outputs `probabilities` [batch, classes],
 * `top_scores` and `top_indices` [batch, k].
 */
export function headGraph(options: {
  inputName: string;
  width: number;
  classes: number;
  head?: LinearHead;
  /** The input already holds probabilities (a tfjs model ending in softmax). */
  inputIsProbabilities?: boolean;
  k: number;
  opset: number;
}): Uint8Array {
  const g = new GraphBuilder("classifier");
  const x = g.input({ name: options.inputName, type: "float32", shape: ["batch", options.width] });
  let probabilities: string;
  if (options.head) {
    const { mean, std, weights, bias } = options.head;
    const w = new Float32Array(options.width * options.classes);
    const b = bias.slice();
    for (let j = 0; j < options.width; j++)
      for (let c = 0; c < options.classes; c++) {
        w[j * options.classes + c] = weights[j]![c]! / std[j]!;
        b[c]! -= (mean[j]! / std[j]!) * weights[j]![c]!;
      }
    const W = g.initializer({ type: "float32", dims: [options.width, options.classes], values: w });
    const B = g.initializer({ type: "float32", dims: [options.classes], values: b });
    probabilities = g.op("Softmax", [g.op("Gemm", [x, W, B])], { axis: attr.int(1) });
  } else {
    probabilities = options.inputIsProbabilities ? x : g.op("Softmax", [x], { axis: attr.int(1) });
  }
  const k = Math.min(options.k, options.classes);
  const top = topK(g, probabilities, k);
  g.output({ name: "probabilities", type: "float32", shape: ["batch", options.classes] }, probabilities);
  g.output({ name: "top_scores", type: "float32", shape: ["batch", k] }, top.values);
  g.output({ name: "top_indices", type: "int64", shape: ["batch", k] }, top.indices);
  return g.build({ opsets: { "": options.opset } });
}
