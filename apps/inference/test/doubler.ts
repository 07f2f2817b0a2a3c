import { GraphBuilder } from "@lockstep/onnx";

/** A tiny real model for runtime tests: y = 2x on float32 [batch, 2]. */
export function doubler(): Uint8Array {
  const g = new GraphBuilder("doubler");
  const x = g.input({ name: "x", type: "float32", shape: ["batch", 2] });
  const two = g.initializer({ type: "float32", dims: [], values: [2] });
  g.output({ name: "y", type: "float32", shape: ["batch", 2] }, g.op("Mul", [x, two]));
  return g.build({ opsets: { "": 17 } });
}

/** The doubler's feeds for rows of 2 values laid out flat. */
export const feeds = (data: Float32Array) => ({ x: { type: "float32", data, dims: [data.length / 2, 2] } });
