import { Random } from "../random.js";
import { binColumn, fitBins } from "./binning.js";
import { evaluateBinned, growTree, type GrownTree } from "./grow.js";
import { TreeHelper } from "./parallel.js";
import { HIST, HistogramPool, SLOTS } from "./histogram.js";
import { GbdtModel, softmaxRows } from "./model.js";
import { baseScores, gradients, loss, rowWeights } from "./objective.js";
import { checkGbdtParams, defaultGbdtParams, type GbdtParams } from "./params.js";
import { RoundSampler } from "./sampling.js";
import { evaluateTree, type Tree } from "./tree.js";

/** Rows × rounds × leaves per tree below which a second thread costs more than it saves (bench/RESULTS.md). */
const PARALLEL_WORK = 20_000_000;
/** The most memory the histograms of trees both threads grow may take on each thread. */
const SHARED_HISTOGRAM_BYTES = 128 * 1024 * 1024;
/** Rounds the caller grows the shared trees alone after growing one together took longer than its own. */
const ALONE_ROUNDS = 20;

export interface GbdtTrainOptions {
  validation?: { rows: ArrayLike<number>[]; y: ArrayLike<number> };
  log?: (message: string) => void;
}

function checkData(
  rows: ArrayLike<number>[],
  y: ArrayLike<number>,
  params: GbdtParams,
  what: string,
): number {
  if (rows.length === 0 || rows.length !== y.length)
    throw new RangeError(`${what}: rows and labels must be non-empty and of equal length`);
  const width = rows[0]!.length;
  if (width === 0) throw new RangeError(`${what}: rows have no features`);
  for (let i = 0; i < rows.length; i++)
    if (rows[i]!.length !== width)
      throw new RangeError(`${what}: row ${i} has ${rows[i]!.length} features, expected ${width}`);
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (params.objective === "regression" ? !Number.isFinite(v) : !Number.isInteger(v) || v < 0) {
      throw new RangeError(`${what}: label ${v} at row ${i} is not valid for ${params.objective}`);
    }
    if (params.objective === "binary" && v > 1)
      throw new RangeError(`${what}: binary labels must be 0 or 1, got ${v} at row ${i}`);
  }
  return width;
}

/** Gain and split counts per feature over the trees the model keeps. */
function importanceOf(trees: Tree[][], width: number): { gain: number[]; splits: number[] } {
  const gain = new Array<number>(width).fill(0);
  const splits = new Array<number>(width).fill(0);
  for (const node of trees.flat().flatMap((t) => t.nodes)) {
    if (node.kind !== "split") continue;
    gain[node.feature]! += node.gain;
    splits[node.feature]!++;
  }
  return { gain, splits };
}

/**
 * Gradient-boosted decision trees with the histogram method (LightGBM-style): L2 regression,
 * binary log-loss and softmax multiclass; quantile bins, missing values, leaf-wise growth with
 * depth and leaf limits, row and feature subsampling, class weights and early stopping. Seeded
 * and deterministic.
 */
export function trainGbdt(
  rows: ArrayLike<number>[],
  y: ArrayLike<number>,
  userParams: Partial<GbdtParams>,
  options: GbdtTrainOptions = {},
): GbdtModel {
  const params: GbdtParams = { ...defaultGbdtParams, ...userParams };
  checkGbdtParams(params);
  const width = checkData(rows, y, params, "training data");
  if (options.validation) checkData(options.validation.rows, options.validation.y, params, "validation data");
  const n = rows.length;
  let k = 1;
  if (params.objective === "multiclass") {
    let maxLabel = 0;
    for (let i = 0; i < n; i++) maxLabel = Math.max(maxLabel, y[i]!);
    k = params.numClasses ?? maxLabel + 1;
    if (k < 2 || maxLabel >= k)
      throw new RangeError(`multiclass needs labels in 0..numClasses-1 (numClasses ${k})`);
  }
  const classes = params.objective === "binary" ? 2 : k;
  if (params.classWeights && params.objective !== "regression" && params.classWeights.length !== classes) {
    throw new RangeError(`classWeights needs ${classes} weights, got ${params.classWeights.length}`);
  }

  const bins = Array.from({ length: width }, (_, f) =>
    fitBins(
      Array.from(rows, (r) => r[f]!),
      params.maxBins,
    ),
  );
  const binned = bins.map((b, f) =>
    binColumn(
      b,
      Array.from(rows, (r) => r[f]!),
    ),
  );

  const weightOf = rowWeights(params, y);
  const baseValues = baseScores(params.objective, y, k, weightOf);

  const raw = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let t = 0; t < k; t++) raw[i * k + t] = baseValues[t]!;
  const validation = options.validation;
  const validationRaw = validation ? new Float64Array(validation.rows.length * k) : undefined;
  if (validation && validationRaw)
    for (let i = 0; i < validation.rows.length; i++)
      for (let t = 0; t < k; t++) validationRaw[i * k + t] = baseValues[t]!;

  const sampler = new RoundSampler(new Random(params.seed), n, width, k, params);
  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  const trees: Tree[][] = [];
  const validationLoss: number[] = [];
  let bestLoss = Number.POSITIVE_INFINITY;
  let bestIteration = -1;
  const pool = new HistogramPool(width, n);
  // a multiclass round's trees are independent: big enough runs grow one of them on a second thread
  const leavesPerTree = Math.min(params.numLeaves, 2 ** Math.min(params.maxDepth, 30));
  const thread =
    k > 1 && n * params.nEstimators * leavesPerTree >= PARALLEL_WORK ? TreeHelper.get() : undefined;
  const helper = thread ? { thread, ...thread.setup(binned, bins, n) } : undefined;
  // with three classes or more, the middle trees are grown by both threads together, node by node
  const cooperation =
    helper && k >= 3 && leavesPerTree * width * HIST * (SLOTS * 8 + 1) <= SHARED_HISTOGRAM_BYTES
      ? helper.thread.cooperation(width, n, leavesPerTree)
      : undefined;
  // multiclass: each round's class probabilities, row-major, rewritten in place
  const probabilities = params.objective === "multiclass" ? new Float64Array(n * k) : undefined;
  const started = Date.now();
  // trees grown together hand over every node: on a machine busy with other work that can cost
  // more than it saves, and then the caller grows them alone for a while (the same trees either way)
  let aloneUntil = 0;

  for (let iteration = 0; iteration < params.nEstimators; iteration++) {
    const { rows: sampleSets, marks, features: featureSets } = sampler.take();
    if (probabilities) softmaxRows(raw, k, probabilities);
    const gradientsOf = (t: number, g: Float64Array, h: Float64Array) =>
      gradients(params.objective, t, raw, probabilities, k, y, weightOf, g, h);
    const apply = (t: number, grown: GrownTree) => {
      // the rows it learnt from sit in its leaves; only the others are routed through it
      for (const leaf of grown.leaves)
        for (let j = 0; j < leaf.rows.length; j++) raw[leaf.rows[j]! * k + t]! += leaf.value;
      const inSample = marks[t]!;
      if (sampleSets[t] !== sampler.everyRow)
        for (let i = 0; i < n; i++) if (!inSample[i]) raw[i * k + t]! += evaluateBinned(grown, binned, i);
      if (validation && validationRaw) {
        for (let i = 0; i < validation.rows.length; i++)
          validationRaw[i * k + t]! += evaluateTree(grown.tree, validation.rows[i]!);
      }
      return grown.tree;
    };
    // a round's trees depend only on the probabilities at its start: the helper grows the last
    const helped = helper ? k - 1 : -1;
    if (helper) {
      gradientsOf(helped, helper.grad, helper.hess);
      helper.thread.begin(sampleSets[helped]!, featureSets[helped]!, params);
    }
    const together = iteration >= aloneUntil ? cooperation : undefined;
    const iterationTrees: Tree[] = new Array<Tree>(k);
    let ownTime = 0;
    try {
      for (let t = 0; t < k; t++) {
        if (t === helped || (together && t > 0 && t < k - 1)) continue;
        const treeStarted = performance.now();
        gradientsOf(t, grad, hess);
        const grown = growTree(
          { binned, bins, grad, hess, rows: sampleSets[t]!, features: featureSets[t]!, pool },
          params,
        );
        iterationTrees[t] = apply(t, grown);
        ownTime ||= performance.now() - treeStarted;
      }
    } catch (error) {
      // the helper's answer must not be left for the next run to read as its own
      if (helper)
        try {
          helper.thread.end();
        } catch {
          // its failure is not the one to report
        }
      throw error;
    }
    if (helper) {
      // the next round's draws, while the helper finishes
      if (iteration + 1 < params.nEstimators) sampler.prefetch();
      iterationTrees[helped] = apply(helped, helper.thread.end());
    }
    // then the trees both grow: each thread fills, subtracts and searches its share of the features
    for (let t = 1; together && t < k - 1; t++) {
      const treeStarted = performance.now();
      gradientsOf(t, together.grad, together.hess);
      const partner = helper!.thread.partner(together, sampleSets[t]!, featureSets[t]!, params);
      const input = { binned, bins, rows: sampleSets[t]!, features: featureSets[t]! };
      let grown: GrownTree;
      try {
        grown = growTree(
          { ...input, grad: together.grad, hess: together.hess, pool: together.pool },
          params,
          partner,
        );
      } finally {
        partner.finish();
      }
      iterationTrees[t] = apply(t, grown);
      if (performance.now() - treeStarted > ownTime) aloneUntil = iteration + 1 + ALONE_ROUNDS;
    }
    trees.push(iterationTrees);
    if (validation && validationRaw) {
      const current = loss(params.objective, validationRaw, validation.y, k);
      validationLoss.push(current);
      if (current < bestLoss - 1e-12) {
        bestLoss = current;
        bestIteration = iteration;
      } else if (
        params.earlyStoppingRounds !== undefined &&
        iteration - bestIteration >= params.earlyStoppingRounds
      ) {
        options.log?.(
          `early stopping at iteration ${iteration + 1}: best validation loss ${bestLoss.toPrecision(5)} at ${bestIteration + 1}`,
        );
        break;
      }
    }
    if (options.log && ((iteration + 1) % 25 === 0 || iteration + 1 === params.nEstimators)) {
      const elapsed = (Date.now() - started) / 1000;
      const eta = (elapsed / (iteration + 1)) * (params.nEstimators - iteration - 1);
      const valid = validationLoss.length
        ? `, validation loss ${validationLoss[validationLoss.length - 1]!.toPrecision(5)}`
        : "";
      options.log(
        `iteration ${iteration + 1}/${params.nEstimators}: train loss ${loss(params.objective, raw, y, k).toPrecision(5)}${valid}, ETA ${eta.toFixed(1)} s`,
      );
    }
  }
  const kept =
    params.earlyStoppingRounds !== undefined && bestIteration >= 0
      ? trees.slice(0, bestIteration + 1)
      : trees;
  return new GbdtModel(params, width, k, baseValues, kept, importanceOf(kept, width), validationLoss);
}
