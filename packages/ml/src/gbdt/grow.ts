import { MISSING_BIN, type FeatureBins } from "./binning.js";
import { HIST, HistogramPool, SLOTS, type Histogram } from "./histogram.js";
import type { GbdtParams } from "./params.js";
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

interface Split {
  gain: number;
  position: number;
  bin: number;
  missingLeft: boolean;
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
 * The best split of a leaf over its histogram's listed bins. A bin b > 0 left out holds exact
 * zeros and offers the very candidates bin b - 1 offered, which cannot beat them strictly; bin 0
 * is read whatever its sums (its candidate with only the missing rows left counts). So the gains
 * compared, in their order, and the split chosen are those of a scan over every bin.
 */
function bestSplit(
  input: GrowInput,
  leaf: Omit<Leaf, "best" | "node">,
  params: GrowParams,
  used: Int32Array,
): Split | undefined {
  const { g: totalG, h: totalH } = leaf;
  const { sums: hist, list, listed } = leaf.hist;
  const count = leaf.rows.length;
  const { lambda, minSamplesLeaf, minHessianLeaf, minGain } = params;
  const parentScore = (totalG * totalG) / (totalH + lambda);
  let bestGain = 0;
  let bestPosition = -1;
  let bestBin = 0;
  let bestMissingLeft = false;
  const positions = input.features.length;
  for (let p = 0; p < positions; p++) {
    const bins = used[p]!;
    const offset = p * HIST;
    const m = (offset + MISSING_BIN) * SLOTS;
    const mg = hist[m]!;
    const mh = hist[m + 1]!;
    const mc = hist[m + 2]!;
    const missing = mc > 0;
    let gl = 0;
    let hl = 0;
    let cl = 0;
    const last = missing ? bins - 1 : bins - 2;
    const end = offset + listed[p]!;
    // bin 0 first, then the listed bins after it
    let next = offset;
    if (next < end && list[next] === 0) next++;
    let b = 0;
    while (b <= last) {
      const at = (offset + b) * SLOTS;
      gl += hist[at]!;
      hl += hist[at + 1]!;
      cl += hist[at + 2]!;
      // counts only grow: once the right side is too small here, it is for every later bin
      if (count - cl < minSamplesLeaf) break;
      if (cl >= minSamplesLeaf) {
        const hr = totalH - hl;
        if (hl >= minHessianLeaf && hr >= minHessianLeaf) {
          const gr = totalG - gl;
          const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentScore;
          if (gain > minGain && gain > bestGain) {
            bestGain = gain;
            bestPosition = p;
            bestBin = b;
            bestMissingLeft = false;
          }
        }
      }
      if (missing && b < bins - 1) {
        // the same candidate with the missing rows sent left
        const gm = gl + mg;
        const hm = hl + mh;
        const cm = cl + mc;
        const hr = totalH - hm;
        if (
          cm >= minSamplesLeaf &&
          count - cm >= minSamplesLeaf &&
          hm >= minHessianLeaf &&
          hr >= minHessianLeaf
        ) {
          const gr = totalG - gm;
          const gain = (gm * gm) / (hm + lambda) + (gr * gr) / (hr + lambda) - parentScore;
          if (gain > minGain && gain > bestGain) {
            bestGain = gain;
            bestPosition = p;
            bestBin = b;
            bestMissingLeft = true;
          }
        }
      }
      if (next === end) break;
      b = list[next++]!;
    }
  }
  return bestPosition < 0
    ? undefined
    : { gain: bestGain, position: bestPosition, bin: bestBin, missingLeft: bestMissingLeft };
}

/**
 * Grows one tree leaf-wise (best gain first, as LightGBM) from gradient/hessian histograms. Only
 * the smaller child's histogram is built; the larger one's is the parent's minus it, in place.
 * Rows are partitioned in place, stably, so every sum runs over the rows in the same order.
 */
export function growTree(input: GrowInput, params: GrowParams): GrownTree {
  const nodes: TreeNode[] = [];
  const splitBins: number[] = [];
  const leafValue = (g: number, h: number) => Math.fround((-g / (h + params.lambda)) * params.learningRate);
  const pool = input.pool ?? new HistogramPool(input.bins.length, input.grad.length);
  const used = Int32Array.from(input.features, (f) => input.bins[f]!.edges.length + 1);
  const { grad, hess } = input;
  const rowBuffer = pool.rows(input.rows);
  const scratch = pool.scratchRows;
  const taken: Histogram[] = [];
  const build = (rows: Uint32Array) => {
    const hist = pool.take(used);
    taken.push(hist);
    pool.fill(hist, input, rows);
    return hist;
  };

  const rootHist = build(rowBuffer);
  pool.listUsed(rootHist, used);
  let g = 0;
  let h = 0;
  for (let k = 0; k < rowBuffer.length; k++) {
    const r = rowBuffer[k]!;
    g += grad[r]!;
    h += hess[r]!;
  }
  nodes.push({ kind: "leaf", value: leafValue(g, h) });
  splitBins.push(-1);
  const root = { rows: rowBuffer, depth: 0, hist: rootHist, g, h };
  const leaves: Leaf[] = [
    { ...root, node: 0, best: params.maxDepth > 0 ? bestSplit(input, root, params, used) : undefined },
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
    // stable partition: left rows to the front of the leaf's segment, right rows after them
    const rows = leaf.rows;
    let nl = 0;
    let nr = 0;
    let lg = 0;
    let lh = 0;
    let rg = 0;
    let rh = 0;
    for (let k = 0; k < rows.length; k++) {
      const r = rows[k]!;
      const b = column[r]!;
      if (b === MISSING_BIN ? split.missingLeft : b <= split.bin) {
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
    const left = rows.subarray(0, nl);
    const right = rows.subarray(nl);
    const depth = leaf.depth + 1;
    // children that will not be split (the depth limit, or the last leaf allowed) need no histogram
    const splitAgain = depth < params.maxDepth && leafCount + 1 < params.numLeaves;
    const smallIsLeft = left.length <= right.length;
    const smallHist = splitAgain ? build(smallIsLeft ? left : right) : leaf.hist;
    // the parent's histogram becomes the larger child's
    const largeHist = leaf.hist;
    if (splitAgain) pool.split(largeHist, smallHist);
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
    if (splitAgain) for (const child of children) child.best = bestSplit(input, child, params, used);
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
