import { MISSING_BIN, type FeatureBins } from "./binning.js";
import { HistogramPool, type Histogram } from "./histogram.js";
import type { GbdtParams } from "./params.js";
import { bestSplit, mergeSplits, type LeafSums, type Split } from "./split.js";
import type { Tree, TreeNode } from "./tree.js";

export type GrowParams = Pick<
  GbdtParams,
  "maxDepth" | "numLeaves" | "minSamplesLeaf" | "minHessianLeaf" | "lambda" | "minGain" | "learningRate"
>;

export interface GrowInput {
  binned: Uint8Array[];
  bins: FeatureBins[];
  grad: Float64Array;
  hess: Float64Array;
  /** The rows the tree learns from, ascending. */
  rows: Uint32Array;
  features: number[];
  /** Histograms and scratch buffers reused from tree to tree (one per training run). */
  pool?: HistogramPool;
}

/**
 * A second thread working on the same tree's histograms (in shared memory), on its own copy of
 * the tree's rows, partitioned as this thread partitions them. Each call starts it on one node's
 * positions [mid, features) and returns that mid; `wait` returns its best splits of the leaves.
 */
export interface Partner {
  /** Zero, fill and list the root's histogram, then search the root. */
  root(root: LeafSums): number;
  /**
   * Partition the leaf's rows (the segment `rows` spans in the row buffer) by `split`, zero and
   * fill `small` from the smaller side, subtract it from `large`, then search both children.
   */
  children(rows: Uint32Array, feature: number, split: Split, small: Histogram, large: Histogram): number;
  wait(): (Split | undefined)[];
}

/** A leaf's rows split stably in place: the left rows first (`left` of them), each side's sums. */
export interface Partition {
  left: number;
  lg: number;
  lh: number;
  rg: number;
  rh: number;
}

/** Partitions rows in place, stably (left rows to the front, right rows after them, via `scratch`). */
export function partition(
  rows: Uint32Array,
  column: Uint8Array,
  split: Split,
  grad: Float64Array,
  hess: Float64Array,
  scratch: Uint32Array,
): Partition {
  let nl = 0;
  let nr = 0;
  let lg = 0;
  let lh = 0;
  let rg = 0;
  let rh = 0;
  const { bin, missingLeft } = split;
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    const b = column[r]!;
    if (b === MISSING_BIN ? missingLeft : b <= bin) {
      rows[nl++] = r;
      lg += grad[r]!;
      lh += hess[r]!;
    } else {
      scratch[nr++] = r;
      rg += grad[r]!;
      rh += hess[r]!;
    }
  }
  rows.set(scratch.subarray(0, nr), nl);
  return { left: nl, lg, lh, rg, rh };
}

/** A tree plus, per internal node, the bin it splits after (to route binned rows quickly). */
export interface GrownTree {
  tree: Tree;
  splitBins: Int32Array;
  /**
   * The rows each leaf holds, so their predictions update without routing them again. Views into
   * the pool's row buffer: read them before the next tree grows.
   */
  leaves: { value: number; rows: Uint32Array }[];
}

interface Leaf {
  node: number;
  /** A view of this leaf's rows, ascending, inside the tree's row buffer. */
  rows: Uint32Array;
  depth: number;
  hist: Histogram;
  g: number;
  h: number;
  best: Split | undefined;
}

/**
 * Grows one tree leaf-wise (best gain first, as LightGBM) from gradient/hessian histograms. Only
 * the smaller child's histogram is built; the larger one's is the parent's minus it, in place.
 * Rows are partitioned in place, stably, so every sum runs over the rows in the same order.
 */
export function growTree(input: GrowInput, params: GrowParams, partner?: Partner): GrownTree {
  const nodes: TreeNode[] = [];
  const splitBins: number[] = [];
  const leafValue = (g: number, h: number) => Math.fround((-g / (h + params.lambda)) * params.learningRate);
  const pool = input.pool ?? new HistogramPool(input.bins.length, input.grad.length);
  const used = Int32Array.from(input.features, (f) => input.bins[f]!.edges.length + 1);
  // this thread's positions: all of them, or those below the partner's in each node
  const positions = input.features.length;
  const { grad, hess } = input;
  const rowBuffer = pool.rows(input.rows);
  const scratch = pool.scratchRows;
  const taken: Histogram[] = [];
  let g = 0;
  let h = 0;
  for (let k = 0; k < rowBuffer.length; k++) {
    const r = rowBuffer[k]!;
    g += grad[r]!;
    h += hess[r]!;
  }
  nodes.push({ kind: "leaf", value: leafValue(g, h) });
  splitBins.push(-1);
  const rootHist = pool.take();
  taken.push(rootHist);
  const rootSums = { hist: rootHist, g, h, count: rowBuffer.length };
  const rootMid = partner ? partner.root(rootSums) : positions;
  pool.clear(rootHist, used, 0, rootMid);
  pool.fill(rootHist, input, rowBuffer, 0, rootMid);
  pool.listUsed(rootHist, used, 0, rootMid);
  let rootBest = bestSplit(rootSums, params, used, 0, rootMid);
  if (partner) rootBest = mergeSplits(rootBest, partner.wait()[0]);
  const leaves: Leaf[] = [
    {
      rows: rowBuffer,
      depth: 0,
      hist: rootHist,
      g,
      h,
      node: 0,
      best: params.maxDepth > 0 ? rootBest : undefined,
    },
  ];

  let leafCount = 1;
  while (leafCount < params.numLeaves) {
    let pick = -1;
    for (let i = 0; i < leaves.length; i++) {
      const best = leaves[i]!.best;
      if (best && (pick < 0 || best.gain > leaves[pick]!.best!.gain)) pick = i;
    }
    if (pick < 0) break;
    const leaf = leaves[pick]!;
    const split = leaf.best!;
    const feature = input.features[split.position]!;
    const column = input.binned[feature]!;
    const rows = leaf.rows;
    const depth = leaf.depth + 1;
    // children that will not be split (the depth limit, or the last leaf allowed) need no histogram
    const splitAgain = depth < params.maxDepth && leafCount + 1 < params.numLeaves;
    // the parent's histogram becomes the larger child's
    const largeHist = leaf.hist;
    const smallHist = splitAgain ? pool.take() : largeHist;
    let mid = positions;
    if (splitAgain) {
      taken.push(smallHist);
      if (partner) mid = partner.children(rows, feature, split, smallHist, largeHist);
    }
    const { left: nl, lg, lh, rg, rh } = partition(rows, column, split, grad, hess, scratch);
    const nr = rows.length - nl;
    const left = rows.subarray(0, nl);
    const right = rows.subarray(nl);
    const smallIsLeft = nl <= nr;
    if (splitAgain) {
      pool.clear(smallHist, used, 0, mid);
      pool.fill(smallHist, input, smallIsLeft ? left : right, 0, mid);
      pool.split(largeHist, smallHist, 0, mid);
    }
    const leftIndex = nodes.length;
    nodes.push({ kind: "leaf", value: leafValue(lg, lh) }, { kind: "leaf", value: leafValue(rg, rh) });
    splitBins.push(-1, -1);
    const edges = input.bins[feature]!.edges;
    nodes[leaf.node] = {
      kind: "split",
      feature,
      // a split after the last value bin (only when missing values exist) sends every value left
      threshold: split.bin < edges.length ? edges[split.bin]! : Number.POSITIVE_INFINITY,
      missingLeft: split.missingLeft,
      left: leftIndex,
      right: leftIndex + 1,
      gain: split.gain,
    };
    splitBins[leaf.node] = split.bin;
    const children: Leaf[] = [
      {
        node: leftIndex,
        rows: left,
        depth,
        hist: smallIsLeft ? smallHist : largeHist,
        g: lg,
        h: lh,
        best: undefined,
      },
      {
        node: leftIndex + 1,
        rows: right,
        depth,
        hist: smallIsLeft ? largeHist : smallHist,
        g: rg,
        h: rh,
        best: undefined,
      },
    ];
    if (splitAgain) {
      for (const child of children)
        child.best = bestSplit({ ...child, count: child.rows.length }, params, used, 0, mid);
      if (partner) {
        const [bestLeft, bestRight] = partner.wait();
        children[0]!.best = mergeSplits(children[0]!.best, bestLeft);
        children[1]!.best = mergeSplits(children[1]!.best, bestRight);
      }
    }
    leaves.splice(pick, 1, ...children);
    leafCount++;
  }
  for (const hist of taken) pool.release(hist);
  return {
    tree: { nodes },
    splitBins: Int32Array.from(splitBins),
    leaves: leaves.map((leaf) => ({ value: (nodes[leaf.node] as { value: number }).value, rows: leaf.rows })),
  };
}

/** Routes a binned row through a grown tree. */
export function evaluateBinned(grown: GrownTree, binned: Uint8Array[], row: number): number {
  const { nodes } = grown.tree;
  let index = 0;
  let node = nodes[0]!;
  while (node.kind === "split") {
    const b = binned[node.feature]![row]!;
    const left = b === MISSING_BIN ? node.missingLeft : b <= grown.splitBins[index]!;
    index = left ? node.left : node.right;
    node = nodes[index]!;
  }
  return node.value;
}
