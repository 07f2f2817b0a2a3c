export type GbdtObjective = "regression" | "binary" | "multiclass";

export interface GbdtParams {
  objective: GbdtObjective;
  /** Number of classes (multiclass only; inferred from the labels when absent). */
  numClasses?: number;
  nEstimators: number;
  learningRate: number;
  maxDepth: number;
  numLeaves: number;
  minSamplesLeaf: number;
  minHessianLeaf: number;
  /** L2 regularisation of leaf values. */
  lambda: number;
  minGain: number;
  /** Share of rows each iteration trains on (without replacement). */
  subsample: number;
  /** One row sample per round for its K trees (default), or one per tree as xgboost draws them. */
  rowSampling?: "round" | "tree";
  /** Share of features each tree may split on. */
  colsample: number;
  maxBins: number;
  /** Weight per class index (classification): scales that class's gradients and hessians. */
  classWeights?: number[];
  /** Stop when the validation loss has not improved for this many iterations (needs validation data). */
  earlyStoppingRounds?: number;
  seed: number;
}

export const defaultGbdtParams: GbdtParams = {
  objective: "regression",
  nEstimators: 100,
  learningRate: 0.1,
  maxDepth: 6,
  numLeaves: 31,
  minSamplesLeaf: 20,
  minHessianLeaf: 1e-3,
  lambda: 0,
  minGain: 0,
  subsample: 1,
  colsample: 1,
  maxBins: 255,
  seed: 0,
};

export function checkGbdtParams(p: GbdtParams): void {
  const fail = (why: string): never => {
    throw new RangeError(`GBDT params: ${why}`);
  };
  if (!["regression", "binary", "multiclass"].includes(p.objective))
    fail(`unknown objective "${p.objective}"`);
  const ints: [keyof GbdtParams, number][] = [
    ["nEstimators", 1],
    ["maxDepth", 1],
    ["numLeaves", 2],
    ["minSamplesLeaf", 1],
    ["maxBins", 2],
  ];
  for (const [key, min] of ints) {
    const v = p[key] as number;
    if (!Number.isInteger(v) || v < min) fail(`${key} must be an integer >= ${min}, got ${v}`);
  }
  if (p.maxBins > 255) fail(`maxBins must be at most 255, got ${p.maxBins}`);
  if (!(p.learningRate > 0 && p.learningRate <= 1))
    fail(`learningRate must be in (0, 1], got ${p.learningRate}`);
  if (!(p.subsample > 0 && p.subsample <= 1)) fail(`subsample must be in (0, 1], got ${p.subsample}`);
  if (!(p.colsample > 0 && p.colsample <= 1)) fail(`colsample must be in (0, 1], got ${p.colsample}`);
  if (!(p.lambda >= 0) || !(p.minGain >= 0) || !(p.minHessianLeaf >= 0))
    fail("lambda, minGain and minHessianLeaf must be >= 0");
  if (
    p.earlyStoppingRounds !== undefined &&
    !(Number.isInteger(p.earlyStoppingRounds) && p.earlyStoppingRounds >= 1)
  ) {
    fail("earlyStoppingRounds must be an integer >= 1");
  }
  if (p.rowSampling !== undefined && p.rowSampling !== "round" && p.rowSampling !== "tree")
    fail(`rowSampling must be "round" or "tree", got ${String(p.rowSampling)}`);
  if (p.classWeights && p.classWeights.some((w) => !(w > 0 && Number.isFinite(w))))
    fail("class weights must be positive");
}
