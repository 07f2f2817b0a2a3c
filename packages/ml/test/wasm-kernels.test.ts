import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../src/nn/index.js";

beforeAll(async () => {
  expect(await initBackend("wasm")).toBe("wasm");
});
afterAll(async () => {
  await tf.setBackend("wasm");
});

/** Gradients of sum(op(x, w) * r) on one backend, read back as plain arrays. */
async function gradients(
  backend: string,
  op: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D,
  xShape: number[],
  wShape: number[],
) {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const x = tf.randomNormal(xShape as [number, number, number, number], 0, 1, "float32", 1) as tf.Tensor4D;
    const w = tf.randomNormal(wShape as [number, number, number, number], 0, 1, "float32", 2) as tf.Tensor4D;
    const y = op(x, w);
    const r = tf.randomNormal(y.shape, 0, 1, "float32", 3);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      op(a as tf.Tensor4D, b as tf.Tensor4D)
        .mul(r)
        .sum(),
    )([x, w]);
    return { dx: Array.from(dx!.dataSync()), dw: Array.from(dw!.dataSync()) };
  });
}

function expectClose(actual: number[], expected: number[]) {
  expect(actual).toHaveLength(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++)
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / (1 + Math.abs(expected[i]!)));
  expect(worst).toBeLessThan(1e-4);
}

const cases = [
  { x: [2, 9, 9, 3], w: [3, 3, 3, 4], strides: 1, pad: "valid" },
  { x: [3, 10, 7, 2], w: [3, 3, 2, 5], strides: 1, pad: "same" },
  { x: [2, 11, 11, 3], w: [3, 3, 3, 4], strides: 2, pad: "valid" },
  { x: [2, 12, 10, 3], w: [5, 3, 3, 2], strides: [2, 3], pad: "same" },
  { x: [1, 8, 8, 1], w: [1, 1, 1, 3], strides: 2, pad: "same" },
  { x: [2, 7, 9, 3], w: [4, 2, 3, 2], strides: 1, pad: "same" },
] as const;

describe("wasm gradient kernels equal the cpu backend's", () => {
  it.each(cases)("Conv2D x=$x w=$w strides=$strides pad=$pad", async ({ x, w, strides, pad }) => {
    const op = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.conv2d(a, b, strides as [number, number], pad);
    const wasm = await gradients("wasm", op, [...x], [...w]);
    const cpu = await gradients("cpu", op, [...x], [...w]);
    expectClose(wasm.dw, cpu.dw);
    expectClose(wasm.dx, cpu.dx);
  });

  it.each([
    { x: [2, 9, 9, 3], w: [3, 3, 3, 1], strides: 1, pad: "same" },
    { x: [2, 10, 9, 2], w: [3, 3, 2, 2], strides: 2, pad: "valid" },
    { x: [1, 12, 12, 4], w: [5, 5, 4, 1], strides: 2, pad: "same" },
  ] as const)("DepthwiseConv2D x=$x w=$w strides=$strides pad=$pad", async ({ x, w, strides, pad }) => {
    const op = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.depthwiseConv2d(a, b, strides, pad);
    const wasm = await gradients("wasm", op, [...x], [...w]);
    const cpu = await gradients("cpu", op, [...x], [...w]);
    expectClose(wasm.dw, cpu.dw);
    expectClose(wasm.dx, cpu.dx);
  });

  it("leaks no tensors", async () => {
    await tf.setBackend("wasm");
    const before = tf.memory().numTensors;
    await gradients("wasm", (a, b) => tf.conv2d(a, b, 2, "same"), [2, 9, 9, 3], [3, 3, 3, 4]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
