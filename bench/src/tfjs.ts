// tfjs on this machine's backend: seconds per epoch for an LSTM(32) over 24 steps on 600 samples,
// beside the pure-JS cpu backend in the same script; onnxruntime latency of the exported LSTM.
import * as tf from "@tensorflow/tfjs";
import { exportSequential, fitModel, initBackend } from "@lockstep/ml/nn";
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
  const onnx = exportSequential(main.model);
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
