import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import * as ort from "onnxruntime-node";
import { exportLayersModel, initBackend } from "../src/nn/index.js";

beforeAll(async () => {
  expect(await initBackend("auto")).toMatch(/tensorflow|wasm/);
});

/** Random weights (positive moving variances) so that every parameter matters. */
function randomizeWeights(model: tf.LayersModel, seed: number) {
  model.layers.forEach((layer, l) => {
    layer.setWeights(
      layer.weights.map((w, i) =>
        w.name.includes("moving_variance")
          ? tf.randomUniform(w.shape as number[], 0.5, 2, "float32", seed + l * 10 + i)
          : tf.randomNormal(w.shape as number[], 0, 0.5, "float32", seed + l * 10 + i),
      ),
    );
  });
}

/** tfjs's predictions must equal onnxruntime's within 1e-4 for every output, at batch 1 and 3. */
async function parity(model: tf.LayersModel, batches = [1, 3]) {
  const session = await ort.InferenceSession.create(exportLayersModel(model));
  for (const batch of batches) {
    const xs = model.inputs.map((input, i) =>
      tf.randomUniform([batch, ...input.shape.slice(1)] as number[], -2, 2, "float32", 7 + i),
    );
    const predicted = model.predict(xs.length === 1 ? xs[0]! : xs);
    const expected = Array.isArray(predicted) ? predicted : [predicted];
    const feeds = Object.fromEntries(
      session.inputNames.map((name, i) => [
        name,
        new ort.Tensor("float32", xs[i]!.dataSync() as Float32Array, xs[i]!.shape),
      ]),
    );
    const results = await session.run(feeds);
    session.outputNames.forEach((name, i) => {
      const got = results[name]!;
      expect(got.dims).toEqual(expected[i]!.shape);
      const want = expected[i]!.dataSync();
      const data = got.data as Float32Array;
      let worst = 0;
      for (let k = 0; k < want.length; k++) worst = Math.max(worst, Math.abs(data[k]! - want[k]!));
      expect(worst).toBeLessThan(1e-4);
    });
    tf.dispose([...xs, ...expected]);
  }
  await session.release();
}

describe("tfjs -> ONNX exporter parity: convolutions, pooling, batch norm, functional graphs", () => {
  it.each([
    { padding: "valid", strides: 1, dilationRate: 1 },
    { padding: "same", strides: 2, dilationRate: 1 },
    { padding: "same", strides: 1, dilationRate: 2 },
    { padding: "valid", strides: [2, 1], dilationRate: 1 },
  ] as { padding: "valid" | "same"; strides: number | number[]; dilationRate: number }[])(
    "Conv2D %o with MaxPooling2D and Dense head",
    async (conv) => {
      const model = tf.sequential({
        layers: [
          tf.layers.conv2d({
            inputShape: [11, 9, 3],
            filters: 4,
            kernelSize: 3,
            activation: "relu",
            ...conv,
          }),
          tf.layers.maxPooling2d({ poolSize: 2, padding: "same" }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 3, activation: "softmax" }),
        ],
      });
      randomizeWeights(model, 1);
      await parity(model);
    },
  );

  it("DepthwiseConv2D (multiplier 2) + BatchNormalization + AveragePooling2D + GlobalAveragePooling2D", async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.depthwiseConv2d({
          inputShape: [10, 10, 3],
          kernelSize: 3,
          depthMultiplier: 2,
          padding: "same",
        }),
        tf.layers.batchNormalization(),
        tf.layers.activation({ activation: "relu6" }),
        tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: "same" }),
        tf.layers.conv2d({ filters: 5, kernelSize: 1, useBias: false }),
        tf.layers.batchNormalization({ scale: false, epsilon: 0.01 }),
        tf.layers.activation({ activation: "swish" }),
        tf.layers.globalAveragePooling2d({}),
        tf.layers.dense({ units: 2 }),
      ],
    });
    randomizeWeights(model, 2);
    await parity(model);
  });

  it("AveragePooling2D valid, GlobalMaxPooling2D, BatchNormalization on a dense layer", async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.averagePooling2d({ inputShape: [8, 8, 2], poolSize: [2, 3], padding: "valid" }),
        tf.layers.globalMaxPooling2d({}),
        tf.layers.dense({ units: 4 }),
        tf.layers.batchNormalization({ center: false }),
      ],
    });
    randomizeWeights(model, 3);
    await parity(model);
  });

  it("functional: residual Add, channel Concatenate, two inputs and two outputs", async () => {
    const image = tf.input({ shape: [12, 12, 3], name: "image" });
    const extra = tf.input({ shape: [4], name: "extra" });
    const stem = tf.layers
      .conv2d({ filters: 6, kernelSize: 3, padding: "same", activation: "elu" })
      .apply(image) as tf.SymbolicTensor;
    const branch = tf.layers
      .conv2d({ filters: 6, kernelSize: 3, padding: "same" })
      .apply(stem) as tf.SymbolicTensor;
    const residual = tf.layers.add().apply([stem, branch]) as tf.SymbolicTensor;
    const side = tf.layers
      .depthwiseConv2d({ kernelSize: 3, padding: "same" })
      .apply(stem) as tf.SymbolicTensor;
    const merged = tf.layers.concatenate({ axis: -1 }).apply([residual, side]) as tf.SymbolicTensor;
    const pooled = tf.layers.globalAveragePooling2d({}).apply(merged) as tf.SymbolicTensor;
    const joined = tf.layers.concatenate().apply([pooled, extra]) as tf.SymbolicTensor;
    const shared = tf.layers.dense({ units: 5, activation: "tanh" });
    const hidden = shared.apply(joined) as tf.SymbolicTensor;
    const classes = tf.layers.dense({ units: 3, activation: "softmax" }).apply(hidden) as tf.SymbolicTensor;
    const score = tf.layers.dense({ units: 1 }).apply(hidden) as tf.SymbolicTensor;
    const model = tf.model({ inputs: [image, extra], outputs: [classes, score] });
    randomizeWeights(model, 4);
    await parity(model);
  });

  it("functional: a Concatenate of a channels-first and a channels-last tensor, and a softmax over channels", async () => {
    const input = tf.input({ shape: [6, 6, 2] });
    const conv = tf.layers.conv2d({ filters: 3, kernelSize: 1 }).apply(input) as tf.SymbolicTensor;
    const merged = tf.layers.concatenate().apply([conv, input]) as tf.SymbolicTensor;
    const soft = tf.layers.activation({ activation: "softmax" }).apply(merged) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: soft });
    randomizeWeights(model, 5);
    await parity(model);
  });

  it("names what it cannot export", () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 1, kernelSize: 2, padding: "causal" as never }),
      ],
    });
    expect(() => exportLayersModel(model)).toThrow();
    const separable = tf.sequential({
      layers: [tf.layers.separableConv2d({ inputShape: [6, 6, 2], filters: 2, kernelSize: 3 })],
    });
    expect(() => exportLayersModel(separable)).toThrow(/\(SeparableConv2D\) is not supported/);
  });
});
