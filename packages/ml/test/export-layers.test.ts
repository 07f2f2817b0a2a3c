import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { checkParity } from "@lockstep/onnx";
import { exportLayersModel, initBackend } from "../src/nn/index.js";

beforeAll(async () => {
  expect(await initBackend("auto")).toMatch(/tensorflow|wasm/);
});

/** Random weights and inputs; tfjs's prediction must equal onnxruntime's within 1e-4. */
async function parity(model: tf.Sequential, batches = [1, 5]) {
  for (const batch of batches) {
    const shape = [batch, ...model.inputs[0]!.shape.slice(1)] as number[];
    const x = tf.randomUniform(shape, -2, 2, "float32", 7);
    const expected = Array.from((model.predict(x) as tf.Tensor).dataSync());
    const report = await checkParity(
      exportLayersModel(model),
      { name: "input", data: x.dataSync() as Float32Array, dims: shape },
      { name: "output", expected },
    );
    expect(report.maxAbsDiff).toBeLessThan(1e-4);
    x.dispose();
  }
}

function randomizeWeights(model: tf.Sequential, seed: number) {
  model.layers.forEach((layer, l) => {
    layer.setWeights(
      layer.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.5, "float32", seed + l * 10 + i)),
    );
  });
}

describe("tfjs -> ONNX exporter parity (random weights, batch 1 and 5)", () => {
  const activations = [
    "linear",
    "relu",
    "relu6",
    "elu",
    "selu",
    "sigmoid",
    "hardSigmoid",
    "tanh",
    "softmax",
    "softplus",
    "softsign",
    "swish",
  ] as const;

  it.each(activations)("Dense with %s", async (activation) => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 6, inputShape: [4], activation }),
        tf.layers.dropout({ rate: 0.5 }),
        tf.layers.dense({ units: 3, activation }),
      ],
    });
    randomizeWeights(model, 1);
    await parity(model);
  });

  it.each([
    ["sigmoid", false],
    ["hardSigmoid", false],
    ["sigmoid", true],
  ] as const)(
    "LSTM(8) over 12 steps, recurrent %s, returnSequences %s",
    async (recurrentActivation, returnSequences) => {
      const model = tf.sequential({
        layers: [
          tf.layers.lstm({ units: 8, inputShape: [12, 3], recurrentActivation, returnSequences }),
          ...(returnSequences ? [tf.layers.flatten()] : []),
          tf.layers.dense({ units: 2 }),
        ],
      });
      randomizeWeights(model, 2);
      await parity(model);
    },
  );

  it("GRU(6) and Reshape", async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.reshape({ targetShape: [5, 2], inputShape: [10] }),
        tf.layers.gru({ units: 6, recurrentActivation: "sigmoid" }),
        tf.layers.dense({ units: 1 }),
      ],
    });
    randomizeWeights(model, 3);
    await parity(model);
  });

  it("names the layer it cannot export", () => {
    const model = tf.sequential({
      layers: [tf.layers.conv1d({ filters: 2, kernelSize: 2, inputShape: [6, 3] })],
    });
    expect(() => exportLayersModel(model)).toThrow(/\(Conv1D\) is not supported/);
    const elu = tf.sequential({
      layers: [tf.layers.dense({ units: 2, inputShape: [3], activation: "linear" }), tf.layers.leakyReLU()],
    });
    expect(() => exportLayersModel(elu)).toThrow(/LeakyReLU/);
  });
});
