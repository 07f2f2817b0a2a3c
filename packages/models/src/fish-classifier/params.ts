import { parseParamsWith, type ParamRules } from "../param-rules.js";

export interface FishParams {
  /** URI of a pretrained ONNX backbone (file://, npm:, https://, s3://); null trains a small CNN instead. */
  backbone: string | null;
  /** The backbone tensor holding pooled features; null finds the classifier's input. */
  backboneFeatures: string | null;
  /** Regex over the file name whose first capture group is the group id (e.g. "fish_(\\d+)_"). */
  group: string | null;
  folds: number;
  /** Side of the square the model sees; 0 chooses 224 with a backbone, 64 without. */
  imageSize: number;
  /** Mirror images of classes smaller than the median class in training folds. */
  augment: "none" | "flip-small-classes" | "flip-all";
  headEpochs: number;
  headLearningRate: number;
  headL2: number;
  cnnEpochs: number;
  cnnLearningRate: number;
  cnnFilters: number[];
  topK: number;
  seed: number;
}

/** MobileNetV2 (Apache-2.0) shipped in @lockstep/samples: transfer learning by default. */
export const DEFAULT_BACKBONE = "npm:@lockstep/samples/backbones/mobilenetv2-12-int8.onnx";

export const defaultFishParams: FishParams = {
  backbone: DEFAULT_BACKBONE,
  backboneFeatures: null,
  group: null,
  folds: 5,
  imageSize: 0,
  augment: "flip-small-classes",
  headEpochs: 60,
  headLearningRate: 0.001,
  headL2: 0.001,
  cnnEpochs: 25,
  cnnLearningRate: 0.002,
  cnnFilters: [16, 32, 64],
  topK: 3,
  seed: 0,
};

function checkRegex(value: string): string | undefined {
  try {
    const re = new RegExp(value);
    return /\((?!\?)/.test(re.source) ? undefined : "needs a capture group: its first group is the group id";
  } catch (error) {
    return `not a valid regular expression: ${(error as Error).message}`;
  }
}

const rules: ParamRules<FishParams> = {
  backbone: { kind: "string", maxLength: 2048, optional: true },
  backboneFeatures: { kind: "string", maxLength: 256, optional: true },
  group: { kind: "string", maxLength: 200, optional: true, check: checkRegex },
  folds: { kind: "number", int: true, min: 2, max: 20 },
  imageSize: { kind: "number", int: true, min: 0, max: 512 },
  augment: { kind: "choice", values: ["none", "flip-small-classes", "flip-all"] },
  headEpochs: { kind: "number", int: true, min: 1, max: 2000 },
  headLearningRate: { kind: "number", min: 1e-6, max: 1 },
  headL2: { kind: "number", min: 0, max: 10 },
  cnnEpochs: { kind: "number", int: true, min: 1, max: 500 },
  cnnLearningRate: { kind: "number", min: 1e-6, max: 1 },
  cnnFilters: { kind: "list", int: true, min: 1, max: 256, maxItems: 5 },
  topK: { kind: "number", int: true, min: 1, max: 20 },
  seed: { kind: "number", int: true, min: 0, max: 2 ** 31 - 1 },
};

export const parseFishParams = (input: unknown): FishParams =>
  parseParamsWith(defaultFishParams, rules, input);
