import type { ModelSpec } from "../spec.js";
import { fishHeadline } from "./headline.js";
import { loadImageFolder, type ImageFolder } from "./image-folder.js";
import { defaultFishParams, parseFishParams, type FishParams } from "./params.js";
import { fishServing } from "./serving.js";

/** The Fish4Knowledge sample that ships in @lockstep/samples (190 images, 19 species). */
export const FISH_DEFAULT_DATA = "npm:@lockstep/samples/fish4knowledge-sample";

export const fishClassifier: ModelSpec<ImageFolder, FishParams> = {
  name: "fish-classifier",
  task: "image-classification",
  trainer: { name: "lockstep/fish-classifier", version: "3" },
  description:
    "Fish species from a photo, top-3 with confidences (transfer learning on an ONNX backbone, or a small CNN)",
  gate: { metric: "macro_f1", goal: "maximize", minImprovement: 0, minStandardErrors: 2 },
  defaultData: FISH_DEFAULT_DATA,
  defaultParams: defaultFishParams,
  // the sample's file names are fish_<track>_<frame>.png: frames of one track stay in one fold
  defaultDataParams: { group: "fish_(\\d+)_" },
  smokeParams: { folds: 2, cnnEpochs: 2, headEpochs: 5, cnnFilters: [4, 8] },
  parseParams: parseFishParams,
  loadData: (uri, context) => loadImageFolder(uri, context),
  // the trainer loads only when a model is trained, never when a server imports the registry
  train: async (data, params, context) => (await import("./train.js")).trainFish(data, params, context),
  serving: fishServing,
  headline: fishHeadline,
};

export { prepareImage, resizeCrop, sniffImageFormat, mirror } from "./images.js";
export { listImageFolder, parseLabelMap, type ImageFolder } from "./image-folder.js";
export { decodePngRgb, encodePng, type DecodedRgb } from "./png.js";
export { parseFishParams, defaultFishParams, type FishParams } from "./params.js";
export { groupsOf } from "./groups.js";
