import type { Split } from "@lockstep/ml";
import type { Phase } from "../phases.js";
import type { TrainContext } from "../spec.js";
import type { FishEvaluation } from "./evaluation.js";
import type { ImageGeometry } from "./images.js";
import type { ImageFolder } from "./image-folder.js";
import type { FishParams } from "./params.js";

export const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
/** How many images the parity check runs through both onnxruntime and the trainer. */
export const PARITY_IMAGES = 16;

/** What a fold trainer (transfer learning or the small CNN) gives back. */
export interface FoldTrainer {
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
export interface FoldJob {
  folder: ImageFolder;
  params: FishParams;
  context: TrainContext;
  images: Uint8Array[];
  y: number[];
  splits: Split[];
  geometry: ImageGeometry;
  phase: Phase;
}

export const OUTPUTS = {
  probabilities: "probabilities",
  top_scores: "top_scores",
  top_indices: "top_indices",
};

/** Which training images also train mirrored. */
export function augmentedLabels(y: number[], classes: number, mode: FishParams["augment"]): Set<number> {
  if (mode === "none") return new Set();
  if (mode === "flip-all") return new Set(Array.from({ length: classes }, (_, c) => c));
  const counts = Array.from({ length: classes }, (_, c) => y.filter((v) => v === c).length);
  const sorted = [...counts].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return new Set(counts.flatMap((n, c) => (n < median ? [c] : [])));
}
