import type * as Tf from "@tensorflow/tfjs";
import { composeModels } from "@lockstep/onnx";
import { scoreBaseline } from "./baselines.js";
import { augmentedLabels, OUTPUTS, PARITY_IMAGES, type FoldJob, type FoldTrainer } from "./fold-trainer.js";
import { headGraph, preprocessGraph } from "./graphs.js";
import { mirror } from "./images.js";

/** A small CNN trained from scratch per fold, then on all images (no backbone). */
export async function smallCnn(job: FoldJob): Promise<FoldTrainer> {
  const { folder, params, context, images, y, splits, geometry, phase } = job;
  const { log } = context;
  const tf = await import("@tensorflow/tfjs");
  const { disposeTrained, exportLayersModel, fitModel, initBackend } = await import("@lockstep/ml/nn");
  const backend = await initBackend();
  const classes = folder.classes.length;
  const size = geometry.size;
  log(
    `no backbone: training a small CNN (${params.cnnFilters.join("-")} filters) from scratch on ${backend}`,
  );
  const augment = augmentedLabels(y, classes, params.augment);
  const toTensor = (list: Uint8Array[]) => {
    const data = new Float32Array(list.length * size * size * 3);
    list.forEach((img, k) => {
      for (let p = 0; p < img.length; p++) data[k * img.length + p] = img[p]! / 255;
    });
    return tf.tensor4d(data, [list.length, size, size, 3]);
  };
  const build = () => {
    const init = (s: number) => tf.initializers.glorotUniform({ seed: params.seed + s });
    const layers: Tf.layers.Layer[] = [];
    params.cnnFilters.forEach((filters, i) => {
      layers.push(
        tf.layers.conv2d({
          ...(i === 0 ? { inputShape: [size, size, 3] } : {}),
          filters,
          kernelSize: 3,
          padding: "same",
          activation: "relu",
          kernelInitializer: init(i),
        }),
      );
      if (i < params.cnnFilters.length - 1) layers.push(tf.layers.maxPooling2d({ poolSize: 2 }));
    });
    layers.push(tf.layers.globalAveragePooling2d({}));
    layers.push(tf.layers.dropout({ rate: 0.2, seed: params.seed }));
    layers.push(tf.layers.dense({ units: classes, activation: "softmax", kernelInitializer: init(99) }));
    // a fixed name: tfjs numbers unnamed models per process, and the name reaches the ONNX graph
    const model = tf.sequential({ layers, name: "fish_cnn" });
    model.compile({ optimizer: tf.train.adam(params.cnnLearningRate), loss: "categoricalCrossentropy" });
    return model;
  };
  const fit = async (indices: number[], label: string) => {
    const list = indices.map((i) => images[i]!);
    const labels = indices.map((i) => y[i]!);
    for (const i of indices) {
      if (augment.has(y[i]!)) {
        list.push(mirror(images[i]!, size));
        labels.push(y[i]!);
      }
    }
    const x = toTensor(list);
    const yt = tf.oneHot(tf.tensor1d(labels, "int32"), classes).toFloat();
    const model = build();
    await fitModel(model, {
      x,
      y: yt,
      epochs: params.cnnEpochs,
      batchSize: 32,
      seed: params.seed,
      log: (line) => log(`${label} ${line}`),
    });
    tf.dispose([x, yt]);
    return model;
  };
  const predict = (model: Tf.LayersModel, list: Uint8Array[]) =>
    tf.tidy(() => {
      const p = model.predict(toTensor(list)) as Tf.Tensor2D;
      return p.arraySync();
    });
  const foldProbabilities: number[][][] = [];
  await phase("cross-validation", async () => {
    for (const [f, split] of splits.entries()) {
      const model = await fit(split.train, `fold ${f + 1}/${splits.length}`);
      const p = predict(
        model,
        split.test.map((i) => images[i]!),
      );
      disposeTrained(model);
      foldProbabilities.push(p);
    }
  });
  const final = await phase("final model", () =>
    fit(
      y.map((_, i) => i),
      "final",
    ),
  );
  const opset = 17;
  const pre = preprocessGraph({
    size,
    layout: "nhwc",
    scale: 1 / 255,
    mean: [0, 0, 0],
    std: [1, 1, 1],
    opset,
  });
  const cnn = exportLayersModel(final, { inputName: "input", outputName: "output" });
  const parityProbabilities = predict(final, images.slice(0, PARITY_IMAGES));
  disposeTrained(final);
  const net = composeModels(pre, cnn, {
    connect: { pixels: "input" },
    prefix: "cnn/",
    outputNames: { output: "cnn_output" },
  });
  const head = headGraph({
    inputName: "probs",
    width: classes,
    classes,
    inputIsProbabilities: true,
    k: params.topK,
    opset,
  });
  const model = composeModels(net, head, {
    connect: { cnn_output: "probs" },
    prefix: "head/",
    outputNames: OUTPUTS,
  });
  // the baseline knows only each training fold's class frequencies
  const frequencies = splits.flatMap((split) => {
    const counts = new Array<number>(classes).fill(0);
    for (const i of split.train) counts[y[i]!]!++;
    return split.test.map(() => counts.map((n) => n / split.train.length));
  });
  const yTrue = splits.flatMap((split) => split.test.map((i) => y[i]!));
  return {
    model,
    foldProbabilities,
    baselines: [
      scoreBaseline(
        "class frequencies of the training fold (no image information)",
        yTrue,
        frequencies,
        classes,
      ),
    ],
    parityProbabilities,
  };
}
