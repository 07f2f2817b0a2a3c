import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { disposeTrained, fitModel, initBackend } from "../src/nn/index.js";

beforeAll(async () => {
  await initBackend();
});

function data(n: number, seed: number) {
  const x = tf.randomUniform([n, 2], -1, 1, "float32", seed);
  const y = tf.tidy(() =>
    x
      .slice([0, 0], [n, 1])
      .mul(2)
      .sub(x.slice([0, 1], [n, 1])),
  );
  return { x, y };
}

function model(seed: number) {
  const m = tf.sequential({
    layers: [
      tf.layers.dense({
        units: 8,
        inputShape: [2],
        activation: "tanh",
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
      }),
      tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
  m.compile({ optimizer: tf.train.adam(0.05), loss: "meanSquaredError" });
  return m;
}

describe("fit loop", () => {
  it("learns, reports progress, and is deterministic for a seed", async () => {
    const train = data(256, 1);
    const validation = data(64, 2);
    const lines: string[] = [];
    const a = model(5);
    const result = await fitModel(a, {
      ...train,
      validation,
      epochs: 15,
      batchSize: 32,
      seed: 3,
      log: (l) => lines.push(l),
    });
    expect(result.history).toHaveLength(15);
    expect(result.history.at(-1)!.validationLoss!).toBeLessThan(result.history[0]!.validationLoss! / 4);
    expect(lines[0]).toMatch(
      /^epoch 1\/15: loss [\d.e-]+, validation loss [\d.e-]+ \([\d.]+ s, ETA \d+ s\)$/,
    );
    const b = model(5);
    const again = await fitModel(b, { ...train, validation, epochs: 15, batchSize: 32, seed: 3 });
    expect(again.history.map((h) => h.loss)).toEqual(result.history.map((h) => h.loss));
  });

  it("stops early and restores the best weights", async () => {
    const train = data(128, 3);
    const noise = {
      x: tf.randomUniform([64, 2], -1, 1, "float32", 9),
      y: tf.randomNormal([64, 1], 0, 3, "float32", 10),
    };
    const m = model(7);
    const result = await fitModel(m, { ...train, validation: noise, epochs: 60, seed: 1, patience: 3 });
    const best = Math.min(...result.history.map((h) => h.validationLoss!));
    const restored = (m.evaluate(noise.x, noise.y) as tf.Scalar).dataSync()[0]!;
    expect(restored).toBeCloseTo(best, 4);
    expect(result.history.find((h) => h.epoch === result.bestEpoch)!.validationLoss).toBe(best);
    if (result.stoppedEarly) expect(result.history.length).toBe(result.bestEpoch + 3);
  });

  it("rejects bad arguments", async () => {
    const m = model(1);
    const { x, y } = data(10, 1);
    await expect(fitModel(m, { x, y, epochs: 0 })).rejects.toThrow(/epochs/);
    await expect(fitModel(m, { x, y: tf.zeros([5, 1]), epochs: 1 })).rejects.toThrow(
      /same, non-zero number of rows/,
    );
  });

  it("frees a trained model's weights and optimizer state", async () => {
    const { x, y } = data(32, 5);
    const before = tf.memory().numTensors;
    const m = model(3);
    await fitModel(m, { x, y, epochs: 2, seed: 1 });
    expect(tf.memory().numTensors).toBeGreaterThan(before + 4); // weights + Adam slots
    disposeTrained(m);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
  });
});
