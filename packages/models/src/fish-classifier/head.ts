import * as tf from "@tensorflow/tfjs";
import { disposeTrained, fitModel, initBackend } from "@lockstep/ml/nn";

export interface HeadOptions {
  classes: number;
  epochs: number;
  learningRate: number;
  /** L2 penalty on the weights. */
  l2: number;
  batchSize: number;
  seed: number;
  log?: (message: string) => void;
}

/** A softmax-regression head on standardised features: logits = ((x - mean) / std) W + b. */
export interface LinearHead {
  mean: number[];
  std: number[];
  /** [features][classes] */
  weights: number[][];
  bias: number[];
}

function columnStats(rows: Float32Array[], width: number) {
  const mean = new Array<number>(width).fill(0);
  const std = new Array<number>(width).fill(0);
  for (const r of rows) for (let j = 0; j < width; j++) mean[j]! += r[j]!;
  for (let j = 0; j < width; j++) mean[j]! /= rows.length;
  for (const r of rows) for (let j = 0; j < width; j++) std[j]! += (r[j]! - mean[j]!) ** 2;
  // constant features (e.g. always-zero ReLU outputs) get std 1 so they stay 0
  for (let j = 0; j < width; j++) std[j] = Math.sqrt(std[j]! / rows.length) || 1;
  return { mean, std };
}

export async function trainLinearHead(
  rows: Float32Array[],
  y: number[],
  options: HeadOptions,
): Promise<LinearHead> {
  await initBackend();
  const width = rows[0]!.length;
  const { mean, std } = columnStats(rows, width);
  const x = tf.tensor2d(
    Float32Array.from({ length: rows.length * width }, (_, k) => {
      const j = k % width;
      return (rows[Math.floor(k / width)]![j]! - mean[j]!) / std[j]!;
    }),
    [rows.length, width],
  );
  const labels = tf.oneHot(tf.tensor1d(y, "int32"), options.classes).toFloat();
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        units: options.classes,
        inputShape: [width],
        activation: "softmax",
        kernelInitializer: tf.initializers.glorotUniform({ seed: options.seed }),
        kernelRegularizer: options.l2 > 0 ? tf.regularizers.l2({ l2: options.l2 }) : undefined,
      }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(options.learningRate), loss: "categoricalCrossentropy" });
  await fitModel(model, {
    x,
    y: labels,
    epochs: options.epochs,
    batchSize: options.batchSize,
    seed: options.seed,
    log: options.log,
  });
  const [kernel, bias] = model.getWeights();
  const k = kernel!.arraySync() as number[][];
  const b = Array.from(bias!.dataSync());
  tf.dispose([x, labels]);
  disposeTrained(model);
  return { mean, std, weights: k, bias: b };
}

/** Class probabilities of the head, in float64 (the ONNX graph computes the same in float32). */
export function headProbabilities(head: LinearHead, rows: Float32Array[]): number[][] {
  const classes = head.bias.length;
  return rows.map((r) => {
    const logits = head.bias.slice();
    for (let j = 0; j < r.length; j++) {
      const z = (r[j]! - head.mean[j]!) / head.std[j]!;
      if (z === 0) continue;
      const w = head.weights[j]!;
      for (let c = 0; c < classes; c++) logits[c]! += z * w[c]!;
    }
    const max = Math.max(...logits);
    const e = logits.map((l) => Math.exp(l - max));
    const sum = e.reduce((a, v) => a + v, 0);
    return e.map((v) => v / sum);
  });
}
