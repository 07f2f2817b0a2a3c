import * as tf from "@tensorflow/tfjs";
import { fitModel, initBackend } from "@lockstep/ml/nn";
import type { Co2Params } from "./params.js";

/** One LSTM member's training: epochs run, the restored best epoch and its losses. */
export interface MemberSummary {
  seed: number;
  epochs: number;
  bestEpoch: number;
  trainLoss: number;
  validationLoss: number;
}

/** A trained member as plain data (it crosses threads): its weights in tfjs's order, and its summary. */
export interface MemberFit {
  weights: { shape: number[]; values: Float32Array }[];
  summary: MemberSummary;
}

/** What a thread needs to train member `k` of one fit: the training set's arrays and the params. */
export interface MemberTask {
  x: Float32Array;
  y: Float32Array;
  /** Training windows (the rows before it) and held-out windows (the rest). */
  split: number;
  params: Co2Params;
  k: number;
}

/** The seed of member `k` (0-based). */
export const memberSeed = (params: Co2Params, k: number) => params.seed * 1000 + k * 10 + 1;

/** tfjs warns on every orthogonal initialisation of more than 2000 elements: harmless noise here. */
function withoutOrthogonalWarning<T>(build: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).startsWith("Orthogonal initializer")) warn(...args);
  };
  try {
    return build();
  } finally {
    console.warn = warn;
  }
}

/**
 * One member: LSTM(units) over the residual sequence, then a dense layer to every horizon; its
 * weights drawn from `seed`, or zeros for a model whose weights are set next (no orthogonal init).
 */
export function memberModel(params: Co2Params, seed: number | "zeros"): tf.LayersModel {
  const init = (offset: number, draw: (seed: number) => ReturnType<typeof tf.initializers.zeros>) =>
    seed === "zeros" ? tf.initializers.zeros() : draw(seed + offset);
  return withoutOrthogonalWarning(() =>
    tf.sequential({
      layers: [
        tf.layers.lstm({
          units: params.units,
          inputShape: [params.sequenceLength, 1],
          recurrentActivation: "sigmoid",
          kernelInitializer: init(0, (s) => tf.initializers.glorotUniform({ seed: s })),
          recurrentInitializer: init(1, (s) => tf.initializers.orthogonal({ seed: s, gain: 1 })),
        }),
        tf.layers.dense({
          units: params.maxHorizon,
          kernelInitializer: init(2, (s) => tf.initializers.glorotUniform({ seed: s })),
        }),
      ],
    }),
  );
}

/** Sets a model's weights from a member fit's arrays. */
export function withWeights(model: tf.LayersModel, weights: MemberFit["weights"]): tf.LayersModel {
  const tensors = weights.map((w) => tf.tensor(w.values, w.shape, "float32"));
  model.setWeights(tensors);
  tf.dispose(tensors);
  return model;
}

/** The members averaged into one model (their layers shared, so it exports as one graph). */
export function average(members: tf.LayersModel[], sequenceLength: number): tf.LayersModel {
  const input = tf.input({ shape: [sequenceLength, 1], name: "sequence" });
  const outputs = members.map((m) =>
    m.layers.reduce((x, layer) => layer.apply(x) as tf.SymbolicTensor, input as tf.SymbolicTensor),
  );
  const output = outputs.length > 1 ? (tf.layers.average().apply(outputs) as tf.SymbolicTensor) : outputs[0]!;
  return tf.model({ inputs: input, outputs: output, name: "residual_lstm" });
}

/**
 * Trains member `task.k` with early stopping on the held-out windows and returns its best weights.
 * Everything it reads is in `task`, so any thread gives the same bits.
 */
export async function fitMember(task: MemberTask): Promise<MemberFit> {
  await initBackend();
  const { params, split } = task;
  const seed = memberSeed(params, task.k);
  const rows = task.x.length / params.sequenceLength;
  const model = memberModel(params, seed);
  model.compile({ optimizer: tf.train.adam(params.learningRate), loss: "meanSquaredError" });
  const x = tf.tensor3d(task.x, [rows, params.sequenceLength, 1]);
  const y = tf.tensor2d(task.y, [rows, params.maxHorizon]);
  const [xTrain, xValid, yTrain, yValid] = [
    x.slice(0, split),
    x.slice(split),
    y.slice(0, split),
    y.slice(split),
  ];
  try {
    const fit = await fitModel(model, {
      x: xTrain,
      y: yTrain,
      validation: { x: xValid, y: yValid },
      epochs: params.epochs,
      patience: params.patience,
      batchSize: params.batchSize,
      seed,
    });
    const best = fit.history[fit.bestEpoch - 1]!;
    const weights = model
      .getWeights()
      .map((w) => ({ shape: w.shape, values: Float32Array.from(w.dataSync()) }));
    return {
      weights,
      summary: {
        seed,
        epochs: fit.history.length,
        bestEpoch: fit.bestEpoch,
        trainLoss: best.loss,
        validationLoss: best.validationLoss!,
      },
    };
  } finally {
    tf.dispose([x, y, xTrain, xValid, yTrain, yValid]);
    model.optimizer?.dispose();
    model.dispose();
  }
}
