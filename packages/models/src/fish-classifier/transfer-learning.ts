import { createHash } from "node:crypto";
import * as ort from "onnxruntime-node";
import { argmax, trainLogistic } from "@lockstep/ml";
import { composeModels, decodeModel, exposeFeatures } from "@lockstep/onnx";
import { ModelError } from "../errors.js";
import { readShippedUri } from "../shipped-files.js";
import { nearestCentroid, scoreBaseline } from "./baselines.js";
import {
  augmentedLabels,
  IMAGENET,
  OUTPUTS,
  PARITY_IMAGES,
  type FoldJob,
  type FoldTrainer,
} from "./fold-trainer.js";
import { headGraph, preprocessGraph } from "./graphs.js";
import { mirror } from "./images.js";

/** Gradient steps of the logistic-regression baseline (full batch over one fold's embeddings). */
const LOGISTIC_ITERATIONS = 100;

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

/** Images through the backbone in batches of 16, with progress. */
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

/** A pretrained backbone's pooled features and a softmax head per fold, then on all images. */
export async function transferLearning(job: FoldJob): Promise<FoldTrainer> {
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
  // the plain linear baseline: logistic regression on the same embeddings and folds, no augmentation
  const logistic: number[][] = [];
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
      logistic.push(
        ...trainLogistic(
          split.train.map((i) => Array.from(embeddings[i]!)),
          split.train.map((i) => y[i]!),
          classes,
          { iterations: LOGISTIC_ITERATIONS },
        ).predict(test.map((row) => Array.from(row))),
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
    baselines: [
      scoreBaseline("logistic regression on the same embeddings", yTrue, logistic, classes),
      scoreBaseline("nearest class centroid on the same embeddings", yTrue, centroid, classes),
    ],
    parityProbabilities: headProbabilities(head, embeddings.slice(0, PARITY_IMAGES)),
    backboneSha256,
  };
}
