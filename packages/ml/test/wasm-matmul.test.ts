import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { registerWasmGradientKernels } from "../src/nn/index.js";
import { simdBatchMatMul, type MatMulArgs } from "../src/nn/wasm-matmul.js";

// tfjs-wasm's own BatchMatMul, taken before Lockstep's kernel replaces it
let own: tf.KernelFunc;
beforeAll(async () => {
  expect(await tf.setBackend("wasm")).toBe(true);
  own = tf.getKernel("BatchMatMul", "wasm")!.kernelFunc;
  registerWasmGradientKernels();
});

const read = (info: tf.TensorInfo) => {
  const t = tf.engine().makeTensorFromTensorInfo(info);
  const data = Float32Array.from(t.dataSync());
  t.dispose();
  return data;
};

/** Element indices where the two arrays differ in any bit (+0 and -0 differ). */
function differing(a: Float32Array, b: Float32Array): number[] {
  expect(a.length).toBe(b.length);
  const bits = [new Uint32Array(a.buffer), new Uint32Array(b.buffer)];
  return Array.from(a.keys()).filter((i) => bits[0]![i] !== bits[1]![i]);
}

// the LSTM's backward pass (the shapes co2-forecast trains), blocks of 48 and more, batches and broadcasts
const cases: [number[], number[], boolean, boolean][] = [
  [[64, 128], [32, 128], false, true],
  [[64, 32], [64, 128], true, false],
  [[64, 1], [64, 128], true, false],
  [[64, 60], [32, 60], false, true],
  [[100, 70], [100, 132], true, false],
  [[7, 100, 50], [7, 50, 12], false, false],
  [[3, 33, 97], [1, 97, 64], false, false],
  [[2, 97, 33], [2, 64, 97], true, true],
  [[2, 3, 5, 49], [2, 3, 49, 8], false, false],
];

describe("the SIMD BatchMatMul kernel", () => {
  it.each(cases)("a %j x b %j (transposeA %s, transposeB %s) gives tfjs-wasm's bits", (as, bs, ta, tb) => {
    const a = tf.randomNormal(as, 0, 1, "float32", 1);
    const b = tf.randomNormal(bs, 0, 1, "float32", 2);
    const args = { inputs: { a, b }, attrs: { transposeA: ta, transposeB: tb }, backend: tf.backend() };
    const mine = simdBatchMatMul(args as MatMulArgs);
    expect(mine, "the SIMD kernel takes this case").toBeDefined();
    const theirs = own(args as never) as tf.TensorInfo;
    expect(mine!.shape).toEqual(theirs.shape);
    expect(differing(read(mine!), read(theirs))).toEqual([]);
    // and tf.matMul runs it: the registered kernel
    expect(
      differing(
        tf.matMul(a, b, ta, tb).dataSync() as Float32Array,
        read(own(args as never) as tf.TensorInfo),
      ),
    ).toEqual([]);
    tf.dispose([a, b]);
  });

  it("keeps the signs of zero and the non-finite values tfjs gives", () => {
    const a = tf.tensor2d([0, -0, 1, Infinity, -1, 0, NaN, 2], [4, 2]);
    const b = tf.tensor2d([-0, 0, -0, 0, 1, 1, 1, 1, -0, -0, -0, -0, 0, -0, 0, -0], [4, 4]);
    const args = { inputs: { a, b }, attrs: { transposeA: true, transposeB: false }, backend: tf.backend() };
    const mine = read(simdBatchMatMul(args as MatMulArgs)!);
    const theirs = read(own(args as never) as tf.TensorInfo);
    expect(differing(mine, theirs)).toEqual([]);
    tf.dispose([a, b]);
  });

  it("leaves XNNPACK's case, odd widths and other dtypes to tfjs", () => {
    const call = (a: tf.Tensor, b: tf.Tensor, ta = false, tb = false) =>
      simdBatchMatMul({
        inputs: { a, b },
        attrs: { transposeA: ta, transposeB: tb },
        backend: tf.backend(),
      } as MatMulArgs);
    const [a, b, odd] = [tf.ones([4, 8]), tf.ones([8, 12]), tf.ones([8, 6])];
    expect(call(a, b)).toBeUndefined(); // no transpose, no batch: XNNPACK
    expect(call(a.transpose(), odd, true)).toBeUndefined(); // 6 columns: not a multiple of 4
    expect(call(a.cast("int32"), b, false, false)).toBeUndefined();
    expect(call(a, odd, false, true)).toBeUndefined(); // 8 against 6: tfjs reports it
    expect(() => tf.matMul(a, odd, false, true)).toThrow(/inner shapes/);
    tf.dispose([a, b, odd]);
  });
});
