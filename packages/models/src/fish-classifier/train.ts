import { createHash } from "node:crypto";
import type * as Tf from "@tensorflow/tfjs";
import * as ort from "onnxruntime-node";
import {
  argmax,
  classificationReport,
  groupKFold,
  stratifiedKFold,
  topKAccuracy,
  type ClassificationReport,
  type Split,
} from "@lockstep/ml";
import {
  cardMetadata,
  checkParity,
  composeModels,
  decodeModel,
  exposeFeatures,
  withMetadata,
  type ModelCard,
} from "@lockstep/onnx";
import { ModelError } from "../errors.js";
import { referenceProfile } from "../reference-profile.js";
import { readShippedUri } from "../shipped-files.js";
import { phaseTimer, round, type Phase } from "../phases.js";
import type { TrainContext, TrainedModel } from "../spec.js";
import { groupsOf } from "./groups.js";
import { headGraph, preprocessGraph } from "./graphs.js";
import { mirror, prepareImage, type ImageFolder, type ImageGeometry } from "./images.js";
import type { FishParams } from "./params.js";
import { renderFishReport } from "./report.js";

export const TRAINER = { name: "lockstep/fish-classifier", version: "1" };
export const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
/** How many images the parity check runs through both onnxruntime and the trainer. */
const PARITY_IMAGES = 16;

export interface FishEvaluation {
  report: ClassificationReport;
  top3: number;
  folds: { images: number; groups: number; accuracy: number }[];
  baselines: { name: string; accuracy: number; macroF1: number; top3: number }[];
  groupsTotal: number;
}

/** Every image read once: prepared (uint8 RGB size x size) and fingerprinted, with progress. */
async function prepareAll(
  folder: ImageFolder,
  geometry: ImageGeometry,
  log: (m: string) => void,
): Promise<{ images: Uint8Array[]; sha256: string }> {
  const images: Uint8Array[] = [];
  const hash = createHash("sha256");
  for (const c of folder.classes) hash.update(`class ${c.id}\n`);
  const started = performance.now();
  for (const [i, item] of folder.items.entries()) {
    try {
      const bytes = await folder.read(item);
      hash.update(
        `${folder.classes[item.label]!.id}/${item.file} ${createHash("sha256").update(bytes).digest("hex")}\n`,
      );
      images.push(await prepareImage(bytes, geometry));
    } catch (error) {
      throw new ModelError("DATA_INVALID", `${item.path}: ${(error as Error).message}`);
    }
    if ((i + 1) % 250 === 0 || i + 1 === folder.items.length) {
      const rate = (i + 1) / ((performance.now() - started) / 1000);
      log(`images: ${i + 1}/${folder.items.length} decoded (${rate.toFixed(0)}/s)`);
    }
  }
  return { images, sha256: hash.digest("hex") };
}

async function runBatched(
  session: ort.InferenceSession,
  images: Uint8Array[],
  size: number,
  output: string,
  log: (m: string) => void,
  what: string,
): Promise<Float32Array[]> {
  const rows: Float32Array[] = [];
  const batch = 16;
  const started = performance.now();
  for (let i = 0; i < images.length; i += batch) {
    const chunk = images.slice(i, i + batch);
    const data = new Uint8Array(chunk.length * size * size * 3);
    chunk.forEach((img, k) => data.set(img, k * size * size * 3));
    const result = await session.run({ image: new ort.Tensor("uint8", data, [chunk.length, size, size, 3]) });
    const t = result[output]!;
    const width = t.dims[1]!;
    const values = t.data as Float32Array;
    for (let k = 0; k < chunk.length; k++) rows.push(values.slice(k * width, (k + 1) * width));
    const done = Math.min(images.length, i + batch);
    if (done % 256 < batch || done === images.length) {
      const seconds = (performance.now() - started) / 1000;
      log(
        `${what}: ${done}/${images.length} (ETA ${((seconds / done) * (images.length - done)).toFixed(0)} s)`,
      );
    }
  }
  return rows;
}

/** Which training images also train mirrored. */
function augmentedLabels(y: number[], classes: number, mode: FishParams["augment"]): Set<number> {
  if (mode === "none") return new Set();
  if (mode === "flip-all") return new Set(Array.from({ length: classes }, (_, c) => c));
  const counts = Array.from({ length: classes }, (_, c) => y.filter((v) => v === c).length);
  const sorted = [...counts].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return new Set(counts.flatMap((n, c) => (n < median ? [c] : [])));
}

function nearestCentroid(
  train: Float32Array[],
  y: number[],
  classes: number,
  test: Float32Array[],
): number[][] {
  const width = train[0]!.length;
  const centroids = Array.from({ length: classes }, () => new Float64Array(width));
  const counts = new Array<number>(classes).fill(0);
  train.forEach((r, i) => {
    counts[y[i]!]!++;
    for (let j = 0; j < width; j++) centroids[y[i]!]![j]! += r[j]!;
  });
  centroids.forEach((c, k) => c.forEach((_, j) => (c[j]! /= Math.max(1, counts[k]!))));
  return test.map((r) => {
    const scores = centroids.map((c) => {
      let d = 0;
      for (let j = 0; j < width; j++) d += (r[j]! - c[j]!) ** 2;
      return -Math.sqrt(d);
    });
    const max = Math.max(...scores);
    const e = scores.map((s) => Math.exp((s - max) / 10));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  });
}

export async function trainFish(
  folder: ImageFolder,
  params: FishParams,
  context: TrainContext,
): Promise<TrainedModel> {
  const { log } = context;
  const { timings, phase } = phaseTimer(context.phase);
  const classes = folder.classes.length;
  const y = folder.items.map((i) => i.label);
  const groups = groupsOf(folder, params.group);
  const groupCount = new Set(groups).size;
  if (groupCount < params.folds) {
    throw new ModelError(
      "DATA_INVALID",
      `${groupCount} groups cannot make ${params.folds} group-disjoint folds`,
    );
  }
  const splits: Split[] = params.group
    ? groupKFold(groups, params.folds, params.seed)
    : stratifiedKFold(y, params.folds, params.seed);
  log(
    `data: ${folder.items.length} images, ${classes} classes, ${groupCount} groups; ${params.folds}-fold ${params.group ? "group-disjoint" : "stratified"} cross-validation`,
  );
  const size = params.imageSize || (params.backbone ? 224 : 64);
  const geometry: ImageGeometry = { size, resize: Math.round((size * 256) / 224) };
  const { images, sha256: datasetSha256 } = await phase("decode", () => prepareAll(folder, geometry, log));

  const job: FoldJob = { folder, params, context, images, y, splits, geometry, phase };
  const trainer = params.backbone ? await transferLearning(job) : await smallCnn(job);

  // cross-validated predictions, in the order of the folds' test rows
  const yTrue = splits.flatMap((split) => split.test.map((i) => y[i]!));
  const probabilities = trainer.foldProbabilities.flat();
  const report = classificationReport(yTrue, probabilities.map(argmax), classes);
  const top3 = topKAccuracy(yTrue, probabilities, Math.min(3, classes));
  const folds = splits.map((split, f) => {
    const p = trainer.foldProbabilities[f]!;
    const yt = split.test.map((i) => y[i]!);
    return {
      images: split.test.length,
      groups: new Set(split.test.map((i) => groups[i])).size,
      accuracy: round(yt.filter((v, k) => argmax(p[k]!) === v).length / yt.length, 4),
    };
  });
  const metrics = {
    accuracy: round(report.accuracy),
    macro_f1: round(report.macro.f1),
    top3_accuracy: round(top3),
  };
  log(
    `cross-validation: accuracy ${metrics.accuracy.toFixed(4)}, macro-F1 ${metrics.macro_f1.toFixed(4)}, top-3 ${metrics.top3_accuracy.toFixed(4)}`,
  );

  // the group regex is in the card's params; the protocol must fit the lock's 200 characters
  const protocol = `${params.folds}-fold ${params.group ? "group-disjoint" : "stratified"} cross-validation over ${folder.items.length} images (${params.backbone ? "backbone embeddings, a softmax head per fold" : "a small CNN per fold"}); the final model fitted on all images`;
  const labels = folder.classes.map((c) => c.name);
  const brightness = [0, 1, 2].map((channel) =>
    images.map((img) => {
      let s = 0;
      for (let p = channel; p < img.length; p += 3) s += img[p]!;
      return s / (img.length / 3) / 255;
    }),
  );
  const card: ModelCard = {
    cardVersion: 1,
    name: "fish-classifier",
    task: "image-classification",
    description: params.backbone
      ? `Fish species from a photo: a pretrained backbone's pooled features and a softmax head trained on ${folder.items.length} images of ${classes} classes, top-${params.topK} answer.`
      : `Fish species from a photo: a small CNN trained from scratch on ${folder.items.length} images of ${classes} classes, top-${params.topK} answer.`,
    inputs: [{ name: "image", type: "uint8", shape: ["batch", size, size, 3] }],
    outputs: [
      { name: "probabilities", type: "float32", shape: ["batch", classes] },
      { name: "top_scores", type: "float32", shape: ["batch", Math.min(params.topK, classes)] },
      { name: "top_indices", type: "int64", shape: ["batch", Math.min(params.topK, classes)] },
    ],
    labels,
    preprocessing: {
      decode: "JPEG/PNG/WebP, EXIF orientation applied, alpha removed, sRGB",
      resize: `shorter side to ${geometry.resize} (bilinear), centre crop ${size}x${size}`,
      normalize: params.backbone
        ? { scale: 1 / 255, ...IMAGENET, inGraph: true }
        : { scale: 1 / 255, inGraph: true },
      augmentation: params.augment,
    },
    params: { ...params, backboneSha256: trainer.backboneSha256 ?? null },
    seed: params.seed,
    metrics,
    evaluation: { protocol, folds, baselines: trainer.baselines, confusion: report.confusion },
    data: {
      source: folder.source,
      sha256: datasetSha256,
      rows: folder.items.length,
      classes: folder.classes.map((c, i) => ({ ...c, images: y.filter((v) => v === i).length })),
    },
    featureProfile: referenceProfile(
      "every training image (cross-validated predictions)",
      { brightness_r: brightness[0]!, brightness_g: brightness[1]!, brightness_b: brightness[2]! },
      {
        predicted_label: probabilities.map((p) => labels[argmax(p)]!),
        confidence: probabilities.map((p) => Math.max(...p)),
      },
    ),
    serving: { size, resize: geometry.resize, topK: Math.min(params.topK, classes), classes: folder.classes },
    trainer: TRAINER,
  };
  const onnx = withMetadata(trainer.model, cardMetadata(card), card.description);
  const sample = images.slice(0, PARITY_IMAGES);
  const input = new Uint8Array(sample.length * size * size * 3);
  sample.forEach((img, k) => input.set(img, k * size * size * 3));
  const parity = await checkParity(
    onnx,
    { name: "image", data: input, dims: [sample.length, size, size, 3] },
    { name: "probabilities", expected: trainer.parityProbabilities.flat() },
  );
  log(
    `parity: onnxruntime matches the trainer on ${parity.rows} images (max |diff| ${parity.maxAbsDiff.toExponential(2)})`,
  );
  const evaluation: FishEvaluation = {
    report,
    top3,
    folds,
    baselines: trainer.baselines,
    groupsTotal: groupCount,
  };
  const { markdown, assets } = renderFishReport(card, evaluation, timings, parity);
  return {
    onnx,
    card,
    metrics,
    evaluation: { protocol, dataset: folder.source, datasetSha256: card.data.sha256 },
    report: markdown,
    assets,
    parity,
    timings,
  };
}

interface FoldTrainer {
  /** The composed ONNX model (no card yet): image uint8 -> probabilities, top_scores, top_indices. */
  model: Uint8Array;
  /** Per fold, the probabilities of its test rows in split order. */
  foldProbabilities: number[][][];
  baselines: FishEvaluation["baselines"];
  /** The final model's probabilities for the first PARITY_IMAGES images, computed by the trainer. */
  parityProbabilities: number[][];
  backboneSha256?: string;
}

/** What both trainers get: the prepared images, labels, folds and the phase timer. */
interface FoldJob {
  folder: ImageFolder;
  params: FishParams;
  context: TrainContext;
  images: Uint8Array[];
  y: number[];
  splits: Split[];
  geometry: ImageGeometry;
  phase: Phase;
}

const OUTPUTS = { probabilities: "probabilities", top_scores: "top_scores", top_indices: "top_indices" };

function scoreBaseline(name: string, yTrue: number[], p: number[][], classes: number) {
  const report = classificationReport(yTrue, p.map(argmax), classes);
  return {
    name,
    accuracy: round(report.accuracy, 4),
    macroF1: round(report.macro.f1, 4),
    top3: round(topKAccuracy(yTrue, p, Math.min(3, classes)), 4),
  };
}

function defaultOpset(model: Uint8Array): number {
  const entry = decodeModel(model).opsetImport.find((o) => !o.domain || o.domain === "ai.onnx");
  return Number(entry?.version ?? 17);
}

/** The backbone's image input: its first graph input that is not an initializer. */
function backboneInput(model: Uint8Array): string {
  const graph = decodeModel(model).graph!;
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const input = (graph.input ?? []).find((i) => !initializers.has(i.name));
  if (!input?.name) throw new ModelError("DATA_INVALID", "the backbone has no image input");
  return input.name;
}

async function transferLearning(job: FoldJob): Promise<FoldTrainer> {
  const { folder, params, context, images, y, splits, geometry, phase } = job;
  const { log } = context;
  const { trainLinearHead, headProbabilities } = await import("./head.js");
  const classes = folder.classes.length;
  log(`backbone: loading ${params.backbone}`);
  const bytes = await readShippedUri(params.backbone!, {
    baseDir: context.baseDir,
    env: context.env,
    maxBytes: 1024 ** 3,
  });
  const backboneSha256 = createHash("sha256").update(bytes).digest("hex");
  const exposed = exposeFeatures(bytes, { tensor: params.backboneFeatures ?? undefined });
  log(`backbone: features from "${exposed.tensor}"${exposed.quantized ? " (dequantised)" : ""}`);
  const opset = Math.max(11, defaultOpset(bytes));
  const inputName = backboneInput(exposed.model);
  const pre = preprocessGraph({ size: geometry.size, layout: "nchw", scale: 1 / 255, ...IMAGENET, opset });
  const featureModel = composeModels(pre, exposed.model, {
    connect: { pixels: inputName },
    prefix: "backbone/",
    outputNames: { features: "features" },
  });
  const session = await ort.InferenceSession.create(featureModel, { intraOpNumThreads: 2 });
  const embeddings = await phase("embeddings", () =>
    runBatched(session, images, geometry.size, "features", log, "embeddings"),
  );
  const augment = augmentedLabels(y, classes, params.augment);
  const mirroredIndex = y.flatMap((label, i) => (augment.has(label) ? [i] : []));
  const mirroredRows = await phase("augmentation", () =>
    runBatched(
      session,
      mirroredIndex.map((i) => mirror(images[i]!, geometry.size)),
      geometry.size,
      "features",
      log,
      "mirrored embeddings",
    ),
  );
  const mirrored = new Map(mirroredIndex.map((i, k) => [i, mirroredRows[k]!]));
  if (mirrored.size)
    log(`augmentation: mirrored ${mirrored.size} images of ${augment.size} smaller classes for training`);
  const trainingSet = (indices: number[]) => {
    const rows = indices.map((i) => embeddings[i]!);
    const labels = indices.map((i) => y[i]!);
    for (const i of indices) {
      const m = mirrored.get(i);
      if (m) {
        rows.push(m);
        labels.push(y[i]!);
      }
    }
    return { rows, labels };
  };
  const headOptions = {
    classes,
    epochs: params.headEpochs,
    learningRate: params.headLearningRate,
    l2: params.headL2,
    batchSize: 64,
    seed: params.seed,
  };
  const foldProbabilities: number[][][] = [];
  const centroid: number[][] = [];
  await phase("cross-validation", async () => {
    for (const [f, split] of splits.entries()) {
      const train = trainingSet(split.train);
      const head = await trainLinearHead(train.rows, train.labels, headOptions);
      const test = split.test.map((i) => embeddings[i]!);
      const p = headProbabilities(head, test);
      foldProbabilities.push(p);
      centroid.push(
        ...nearestCentroid(
          split.train.map((i) => embeddings[i]!),
          split.train.map((i) => y[i]!),
          classes,
          test,
        ),
      );
      const acc = split.test.filter((i, k) => argmax(p[k]!) === y[i]).length / split.test.length;
      log(`fold ${f + 1}/${splits.length}: ${split.test.length} test images, accuracy ${acc.toFixed(4)}`);
    }
  });
  const all = trainingSet(y.map((_, i) => i));
  const head = await phase("final head", () => trainLinearHead(all.rows, all.labels, headOptions));
  await session.release();
  const headModel = headGraph({
    inputName: "features",
    width: embeddings[0]!.length,
    classes,
    head,
    k: params.topK,
    opset,
  });
  const model = composeModels(featureModel, headModel, {
    connect: { features: "features" },
    prefix: "head/",
    outputNames: OUTPUTS,
  });
  const yTrue = splits.flatMap((split) => split.test.map((i) => y[i]!));
  return {
    model,
    foldProbabilities,
    baselines: [scoreBaseline("nearest class centroid on the same embeddings", yTrue, centroid, classes)],
    parityProbabilities: headProbabilities(head, embeddings.slice(0, PARITY_IMAGES)),
    backboneSha256,
  };
}

async function smallCnn(job: FoldJob): Promise<FoldTrainer> {
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
