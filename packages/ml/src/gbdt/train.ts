import { Random } from "../random.js";
import { binColumn, fitBins } from "./binning.js";
import { evaluateBinned, growTree, type GrownTree } from "./grow.js";
import { TreeHelper } from "./parallel.js";
import { HIST, HistogramPool, SLOTS } from "./histogram.js";
import { GbdtModel, softmax, softmaxRows } from "./model.js";
import { checkGbdtParams, defaultGbdtParams, type GbdtParams } from "./params.js";
import { evaluateTree, type Tree } from "./tree.js";

/** Rows × rounds × leaves per tree below which a second thread costs more than it saves (bench/RESULTS.md). */
const PARALLEL_WORK = 20_000_000;
/** The most memory the histograms of trees both threads grow may take on each thread. */
const SHARED_HISTOGRAM_BYTES = 128 * 1024 * 1024;

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

/** Loss per objective: mean squared error, log-loss or multiclass log-loss on raw scores. */
function loss(
  objective: GbdtParams["objective"],
  raw: Float64Array,
  y: ArrayLike<number>,
  k: number,
): number {
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    if (objective === "regression") sum += (raw[i]! - y[i]!) ** 2;
    else if (objective === "binary") {
      const p = Math.min(1 - 1e-15, Math.max(1e-15, 1 / (1 + Math.exp(-raw[i]!))));
      sum -= y[i] === 1 ? Math.log(p) : Math.log(1 - p);
    } else {
      const p = softmax(raw.subarray(i * k, (i + 1) * k))[y[i]!]!;
      sum -= Math.log(Math.max(p, 1e-15));
    }
  }
  return sum / y.length;
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

  const weightOf = (i: number) =>
    params.classWeights && params.objective !== "regression" ? params.classWeights[y[i]!]! : 1;
  let baseValues: number[];
  if (params.objective === "regression") {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += y[i]!;
    baseValues = [Math.fround(sum / n)];
  } else if (params.objective === "binary") {
    let positive = 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      positive += y[i]! * weightOf(i);
      total += weightOf(i);
    }
    const p = Math.min(1 - 1e-6, Math.max(1e-6, positive / total));
    baseValues = [Math.fround(Math.log(p / (1 - p)))];
  } else {
    const counts = new Array<number>(k).fill(0);
    let total = 0;
    for (let i = 0; i < n; i++) {
      counts[y[i]!]! += weightOf(i);
      total += weightOf(i);
    }
    baseValues = counts.map((c) => Math.fround(Math.log(Math.max(c / total, 1e-6))));
  }

  const raw = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let t = 0; t < k; t++) raw[i * k + t] = baseValues[t]!;
  const validation = options.validation;
  const validationRaw = validation ? new Float64Array(validation.rows.length * k) : undefined;
  if (validation && validationRaw)
    for (let i = 0; i < validation.rows.length; i++)
      for (let t = 0; t < k; t++) validationRaw[i * k + t] = baseValues[t]!;

  const random = new Random(params.seed);
  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  const trees: Tree[][] = [];
  const validationLoss: number[] = [];
  let bestLoss = Number.POSITIVE_INFINITY;
  let bestIteration = -1;
  const allRows = Uint32Array.from({ length: n }, (_, i) => i);
  const order = new Uint32Array(n);
  const pool = new HistogramPool(width, n);
  const inSamples = Array.from({ length: params.rowSampling === "tree" ? k : 1 }, () => new Uint8Array(n));
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

  for (let iteration = 0; iteration < params.nEstimators; iteration++) {
    const drawRows = (into: Uint8Array) => {
      if (params.subsample >= 1) return allRows;
      const take = Math.max(1, Math.round(n * params.subsample));
      // Random.shuffle's Fisher–Yates on a reused array: the same draws, the same sample
      order.set(allRows);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(random.next() * (i + 1));
        const swap = order[i]!;
        order[i] = order[j]!;
        order[j] = swap;
      }
      into.fill(0);
      for (let j = 0; j < take; j++) into[order[j]!] = 1;
      // the sample ascending, read off the marks
      const rows = new Uint32Array(take);
      for (let i = 0, c = 0; i < n; i++) if (into[i]) rows[c++] = i;
      return rows;
    };
    const perTree = params.rowSampling === "tree";
    // one row sample for the round's trees, or (rowSampling "tree") one per tree, drawn with its features
    const roundRows = perTree ? allRows : drawRows(inSamples[0]!);
    if (probabilities) softmaxRows(raw, k, probabilities);
    const gradients = (t: number, g: Float64Array, h: Float64Array) => {
      for (let i = 0; i < n; i++) {
        const w = weightOf(i);
        if (params.objective === "regression") {
          g[i] = raw[i]! - y[i]!;
          h[i] = 1;
        } else if (params.objective === "binary") {
          const p = 1 / (1 + Math.exp(-raw[i]!));
          g[i] = (p - y[i]!) * w;
          h[i] = Math.max(p * (1 - p), 1e-16) * w;
        } else {
          const p = probabilities![i * k + t]!;
          g[i] = (p - (y[i] === t ? 1 : 0)) * w;
          h[i] = Math.max(p * (1 - p), 1e-16) * w;
        }
      }
    };
    // each tree's rows and features, drawn in class order as growing the trees one by one would draw them
    const sampleSets: Uint32Array[] = [];
    const featureSets = Array.from({ length: k }, (_, t) => {
      sampleSets.push(perTree ? drawRows(inSamples[t]!) : roundRows);
      const all = Array.from({ length: width }, (_, f) => f);
      return params.colsample < 1
        ? random
            .shuffle(all)
            .slice(0, Math.max(1, Math.round(width * params.colsample)))
            .sort((a, b) => a - b)
        : all;
    });
    const apply = (t: number, grown: GrownTree) => {
      // the rows it learnt from sit in its leaves; only the others are routed through it
      for (const leaf of grown.leaves)
        for (let j = 0; j < leaf.rows.length; j++) raw[leaf.rows[j]! * k + t]! += leaf.value;
      const inSample = inSamples[perTree ? t : 0]!;
      if (sampleSets[t] !== allRows)
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
      gradients(helped, helper.grad, helper.hess);
      helper.thread.begin(sampleSets[helped]!, featureSets[helped]!, params);
    }
    const iterationTrees: Tree[] = new Array<Tree>(k);
    try {
      for (let t = 0; t < k; t++) {
        if (t === helped || (cooperation && t > 0 && t < k - 1)) continue;
        gradients(t, grad, hess);
        const grown = growTree(
          { binned, bins, grad, hess, rows: sampleSets[t]!, features: featureSets[t]!, pool },
          params,
        );
        iterationTrees[t] = apply(t, grown);
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
    if (helper) iterationTrees[helped] = apply(helped, helper.thread.end());
    // then the trees both grow: each thread fills, subtracts and searches its share of the features
    for (let t = 1; cooperation && t < k - 1; t++) {
      gradients(t, cooperation.grad, cooperation.hess);
      const partner = helper!.thread.partner(cooperation, sampleSets[t]!, featureSets[t]!, params);
      const input = { binned, bins, rows: sampleSets[t]!, features: featureSets[t]! };
      let grown: GrownTree;
      try {
        grown = growTree(
          { ...input, grad: cooperation.grad, hess: cooperation.hess, pool: cooperation.pool },
          params,
          partner,
        );
      } finally {
        partner.finish();
      }
      iterationTrees[t] = apply(t, grown);
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
