// tfjs on this machine's backend: seconds per epoch for an LSTM(32) over 24 steps on 600 samples,
// and a small CNN on 500 64x64x3 images, beside the pure-JS cpu backend in the same script;
// onnxruntime latency of the exported models.
import * as tf from "@tensorflow/tfjs";
import { exportLayersModel, fitModel, initBackend } from "@lockstep/ml/nn";
import { ortLatency } from "./ort-latency.js";

function lstmModel() {
  const model = tf.sequential({
    layers: [
      tf.layers.lstm({
        units: 32,
        inputShape: [24, 1],
        recurrentActivation: "sigmoid",
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
      tf.layers.dense({ units: 1 }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: "meanSquaredError" });
  return model;
}

async function secondsPerEpoch(epochs: number) {
  const x = tf.randomNormal([600, 24, 1], 0, 1, "float32", 1);
  const y = tf.randomNormal([600, 1], 0, 1, "float32", 2);
  const model = lstmModel();
  const result = await fitModel(model, { x, y, epochs, batchSize: 32, seed: 1 });
  tf.dispose([x, y]);
  const seconds =
    result.history.slice(1).reduce((s, h) => s + h.seconds, 0) / Math.max(1, result.history.length - 1);
  return { model, seconds };
}

/** Conv(16) -> pool -> Conv(32) -> pool -> Conv(32) -> GAP -> Dense(5) on 64x64x3 images. */
function cnnModel() {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [64, 64, 3],
        filters: 16,
        kernelSize: 3,
        activation: "relu",
        kernelInitializer: init(1),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: "relu", kernelInitializer: init(2) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: "relu", kernelInitializer: init(3) }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 5, activation: "softmax", kernelInitializer: init(4) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.001), loss: "categoricalCrossentropy" });
  return model;
}

/** Seconds per epoch of the CNN on `rows` images (the epoch time is scaled to 500 images). */
async function cnnSecondsPerEpoch(rows: number, epochs: number) {
  const x = tf.randomUniform([rows, 64, 64, 3], 0, 1, "float32", 1);
  const y = tf
    .oneHot(
      tf.tensor1d(
        Array.from({ length: rows }, (_, i) => i % 5),
        "int32",
      ),
      5,
    )
    .toFloat();
  const model = cnnModel();
  const result = await fitModel(model, { x, y, epochs, batchSize: 32, seed: 1 });
  tf.dispose([x, y]);
  const timed = result.history.length > 1 ? result.history.slice(1) : result.history;
  const seconds = timed.reduce((s, h) => s + h.seconds, 0) / timed.length;
  return { model, seconds: (seconds * 500) / rows };
}

export async function tfjsCnnBench() {
  console.log("## tfjs: small CNN (3 conv layers) on 500 64x64x3 images, batch 32\n");
  const backend = await initBackend();
  const main = await cnnSecondsPerEpoch(500, 3);
  await tf.setBackend("cpu");
  // the cpu backend is far slower: time one epoch of 32 images and scale to 500
  const cpu = await cnnSecondsPerEpoch(32, 1);
  await tf.setBackend(backend);
  console.log(
    `| backend | s/epoch |\n| --- | ---: |\n| ${backend} | ${main.seconds.toFixed(2)} |\n| cpu (pure JS, scaled from 32 images) | ${cpu.seconds.toFixed(2)} |`,
  );
  console.log(
    `ratio cpu / ${backend}: ${(cpu.seconds / main.seconds).toFixed(1)}x (FINDINGS: a JS-loop Conv2DBackpropFilter on wasm gave 4.9 s/epoch)\n`,
  );
  const onnx = exportLayersModel(main.model);
  const latency = await ortLatency(
    onnx,
    "input",
    64,
    (rows) => Float32Array.from({ length: rows * 64 * 64 * 3 }, (_, i) => (i % 255) / 255),
    [64, 3],
  );
  console.log(
    `onnxruntime, exported CNN: batch 1 ${latency.batch1Us.toFixed(0)} µs/call, batch 64 ${Math.round(latency.batch64RowsPerSecond).toLocaleString("en")} rows/s\n`,
  );
}

export async function tfjsBench() {
  console.log("## tfjs: LSTM(32) x 24 steps, 600 samples, batch 32\n");
  const backend = await initBackend();
  const main = await secondsPerEpoch(4);
  await tf.setBackend("cpu");
  const cpu = await secondsPerEpoch(2);
  await tf.setBackend(backend);
  console.log(
    `| backend | s/epoch |\n| --- | ---: |\n| ${backend} | ${main.seconds.toFixed(2)} |\n| cpu (pure JS) | ${cpu.seconds.toFixed(2)} |`,
  );
  console.log(
    `ratio cpu / ${backend}: ${(cpu.seconds / main.seconds).toFixed(1)}x (FINDINGS: wasm 0.65 s/epoch, cpu 2.9 s/epoch)\n`,
  );
  const onnx = exportLayersModel(main.model);
  const latency = await ortLatency(
    onnx,
    "input",
    24,
    (rows) => Float32Array.from({ length: rows * 24 }, (_, i) => Math.sin(i / 5)),
    [1],
  );
  console.log(
    `onnxruntime, exported LSTM(32)x24: batch 1 ${latency.batch1Us.toFixed(0)} µs/call, batch 64 ${Math.round(latency.batch64RowsPerSecond).toLocaleString("en")} rows/s\n`,
  );
}
