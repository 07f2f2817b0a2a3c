import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { checkParity } from "@lockstep/onnx";
import { exportLayersModel, fitModel, initBackend } from "../src/nn/index.js";
import { Random } from "../src/random.js";

let backend: string;
beforeAll(async () => {
  backend = await initBackend("auto");
});

/** 12x12 grey images holding one horizontal (class 0) or vertical (class 1) bar, with noise. */
function bars(n: number, seed: number) {
  const random = new Random(seed);
  const pixels = new Float32Array(n * 144);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const at = 1 + Math.floor(random.next() * 10);
    for (let p = 0; p < 144; p++) {
      const [r, c] = [Math.floor(p / 12), p % 12];
      pixels[i * 144 + p] = ((label === 0 ? r : c) === at ? 1 : 0) + (random.next() - 0.5) * 0.3;
    }
    labels.push(label);
  }
  return { x: tf.tensor4d(pixels, [n, 12, 12, 1]), y: tf.oneHot(labels, 2).toFloat(), labels };
}

function cnn(seed: number) {
  const init = (s: number) => tf.initializers.glorotUniform({ seed: seed + s });
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [12, 12, 1],
        filters: 4,
        kernelSize: 3,
        activation: "relu",
        kernelInitializer: init(0),
      }),
      tf.layers.batchNormalization(),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.depthwiseConv2d({
        kernelSize: 3,
        padding: "same",
        activation: "relu",
        depthwiseInitializer: init(1),
      }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 2, activation: "softmax", kernelInitializer: init(2) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.05), loss: "categoricalCrossentropy" });
  return model;
}

describe("CNN training (Conv2D, DepthwiseConv2D gradients) on the default backend", () => {
  it("learns bar orientation, is deterministic for a seed, and exports with parity", async () => {
    expect(backend).toMatch(/tensorflow|wasm/);
    const train = bars(160, 1);
    const test = bars(60, 2);
    const lines: string[] = [];
    const model = cnn(5);
    const result = await fitModel(model, {
      x: train.x,
      y: train.y,
      validation: { x: test.x, y: test.y },
      epochs: 20,
      batchSize: 16,
      seed: 4,
      log: (l) => lines.push(l),
    });
    expect(lines.length).toBeGreaterThan(0);
    const predicted = tf.tidy(() => Array.from((model.predict(test.x) as tf.Tensor).argMax(-1).dataSync()));
    const accuracy = predicted.filter((p, i) => p === test.labels[i]).length / predicted.length;
    expect(accuracy).toBeGreaterThan(0.9);

    const again = await fitModel(cnn(5), { x: train.x, y: train.y, epochs: 2, batchSize: 16, seed: 4 });
    expect(again.history.map((h) => h.loss)).toEqual(result.history.slice(0, 2).map((h) => h.loss));

    const expected = Array.from((model.predict(test.x) as tf.Tensor).dataSync());
    const report = await checkParity(
      exportLayersModel(model),
      { name: "input", data: test.x.dataSync() as Float32Array, dims: test.x.shape },
      { name: "output", expected },
    );
    expect(report.maxAbsDiff).toBeLessThan(1e-4);
    tf.dispose([train.x, train.y, test.x, test.y]);
  });
});
