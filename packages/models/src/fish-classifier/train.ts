import { createHash } from "node:crypto";
import {
  argmax,
  classificationReport,
  groupKFold,
  stratifiedKFold,
  topKAccuracy,
  type Split,
} from "@lockstep/ml";
import { ModelError } from "../errors.js";
import { referenceProfile } from "../reference-profile.js";
import { phaseTimer, round } from "../phases.js";
import type { TrainContext, TrainerCard, TrainerResult } from "../spec.js";
import type { FishEvaluation } from "./evaluation.js";
import { IMAGENET, PARITY_IMAGES, type FoldJob } from "./fold-trainer.js";
import { groupsOf } from "./groups.js";
import type { ImageFolder } from "./image-folder.js";
import { prepareImage, type ImageGeometry } from "./images.js";
import type { FishParams } from "./params.js";
import { renderFishReport } from "./report.js";
import { smallCnn } from "./small-cnn.js";
import { transferLearning } from "./transfer-learning.js";

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

export async function trainFish(
  folder: ImageFolder,
  params: FishParams,
  context: TrainContext,
): Promise<TrainerResult> {
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
  // the gate metric on each fold, for the paired gate (the card keeps its own fold table)
  const foldMacroF1 = splits.map((split, f) => {
    const predicted = trainer.foldProbabilities[f]!.map(argmax);
    return round(
      classificationReport(
        split.test.map((i) => y[i]!),
        predicted,
        classes,
      ).macro.f1,
    );
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
  const card: TrainerCard = {
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
    chosen: { backboneSha256: trainer.backboneSha256 ?? null },
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
  };
  const sample = images.slice(0, PARITY_IMAGES);
  const input = new Uint8Array(sample.length * size * size * 3);
  sample.forEach((img, k) => input.set(img, k * size * size * 3));
  const evaluation: FishEvaluation = {
    report,
    top3,
    folds,
    baselines: trainer.baselines,
    groupsTotal: groupCount,
  };
  return {
    model: trainer.model,
    card,
    metrics,
    folds: { macro_f1: foldMacroF1 },
    parity: {
      input: { name: "image", data: input, dims: [sample.length, size, size, 3] },
      output: { name: "probabilities", expected: trainer.parityProbabilities.flat() },
      rows: "images",
    },
    report: (finished, parity) => renderFishReport(finished, params, evaluation, timings, parity),
    timings,
  };
}
