import { MISSING_BIN, type FeatureBins } from "./binning.js";
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
  rows: Uint32Array;
  features: number[];
}

/** A tree plus, per internal node, the bin it splits after (to route binned rows quickly). */
export interface GrownTree {
  tree: Tree;
  splitBins: Int32Array;
}

const HIST = 256;

interface Histogram {
  g: Float64Array;
  h: Float64Array;
  c: Uint32Array;
}

interface Split {
  gain: number;
  position: number;
  bin: number;
  missingLeft: boolean;
}

interface Leaf {
  node: number;
  rows: Uint32Array;
  depth: number;
  hist: Histogram;
  g: number;
  h: number;
  best: Split | undefined;
}

function buildHistogram(input: GrowInput, rows: Uint32Array): Histogram {
  const width = input.features.length;
  const g = new Float64Array(width * HIST);
  const h = new Float64Array(width * HIST);
  const c = new Uint32Array(width * HIST);
  const { grad, hess } = input;
  for (let p = 0; p < width; p++) {
    const column = input.binned[input.features[p]!]!;
    const offset = p * HIST;
    for (let k = 0; k < rows.length; k++) {
      const r = rows[k]!;
      const b = offset + column[r]!;
      g[b]! += grad[r]!;
      h[b]! += hess[r]!;
      c[b]!++;
    }
  }
  return { g, h, c };
}

function subtract(parent: Histogram, child: Histogram): Histogram {
  const g = new Float64Array(parent.g.length);
  const h = new Float64Array(parent.h.length);
  const c = new Uint32Array(parent.c.length);
  for (let i = 0; i < g.length; i++) {
    g[i] = parent.g[i]! - child.g[i]!;
    h[i] = parent.h[i]! - child.h[i]!;
    c[i] = parent.c[i]! - child.c[i]!;
  }
  return { g, h, c };
}

function bestSplit(
  input: GrowInput,
  leaf: Omit<Leaf, "best" | "node">,
  params: GrowParams,
): Split | undefined {
  const { hist, g: totalG, h: totalH } = leaf;
  const count = leaf.rows.length;
  const lambda = params.lambda;
  const parentScore = (totalG * totalG) / (totalH + lambda);
  let best: Split | undefined;
  const consider = (
    gl: number,
    hl: number,
    cl: number,
    position: number,
    bin: number,
    missingLeft: boolean,
  ) => {
    const gr = totalG - gl;
    const hr = totalH - hl;
    const cr = count - cl;
    if (cl < params.minSamplesLeaf || cr < params.minSamplesLeaf) return;
    if (hl < params.minHessianLeaf || hr < params.minHessianLeaf) return;
    const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentScore;
    if (gain > params.minGain && (!best || gain > best.gain)) best = { gain, position, bin, missingLeft };
  };
  for (let p = 0; p < input.features.length; p++) {
    const bins = input.bins[input.features[p]!]!.edges.length + 1;
    const offset = p * HIST;
    const mg = hist.g[offset + MISSING_BIN]!;
    const mh = hist.h[offset + MISSING_BIN]!;
    const mc = hist.c[offset + MISSING_BIN]!;
    let gl = 0;
    let hl = 0;
    let cl = 0;
    const last = mc > 0 ? bins - 1 : bins - 2;
    for (let b = 0; b <= last; b++) {
      gl += hist.g[offset + b]!;
      hl += hist.h[offset + b]!;
      cl += hist.c[offset + b]!;
      consider(gl, hl, cl, p, b, false);
      if (mc > 0 && b < bins - 1) consider(gl + mg, hl + mh, cl + mc, p, b, true);
    }
  }
  return best;
}

/**
 * Grows one tree leaf-wise (best gain first, as LightGBM) from gradient/hessian histograms; a
 * child's histogram is the parent's minus its smaller sibling's.
 */
export function growTree(input: GrowInput, params: GrowParams): GrownTree {
  const nodes: TreeNode[] = [];
  const splitBins: number[] = [];
  const leafValue = (g: number, h: number) => Math.fround((-g / (h + params.lambda)) * params.learningRate);

  const rootHist = buildHistogram(input, input.rows);
  let g = 0;
  let h = 0;
  for (const r of input.rows) {
    g += input.grad[r]!;
    h += input.hess[r]!;
  }
  nodes.push({ kind: "leaf", value: leafValue(g, h) });
  splitBins.push(-1);
  const root = { rows: input.rows, depth: 0, hist: rootHist, g, h };
  const leaves: Leaf[] = [
    { ...root, node: 0, best: params.maxDepth > 0 ? bestSplit(input, root, params) : undefined },
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
    const leftRows: number[] = [];
    const rightRows: number[] = [];
    for (const r of leaf.rows) {
      const b = column[r]!;
      const left = b === MISSING_BIN ? split.missingLeft : b <= split.bin;
      (left ? leftRows : rightRows).push(r);
    }
    const left = Uint32Array.from(leftRows);
    const right = Uint32Array.from(rightRows);
    const smallIsLeft = left.length <= right.length;
    const smallHist = buildHistogram(input, smallIsLeft ? left : right);
    const largeHist = subtract(leaf.hist, smallHist);
    const sums = (rows: Uint32Array) => {
      let sg = 0;
      let sh = 0;
      for (const r of rows) {
        sg += input.grad[r]!;
        sh += input.hess[r]!;
      }
      return [sg, sh] as const;
    };
    const [lg, lh] = sums(left);
    const [rg, rh] = sums(right);
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
    const depth = leaf.depth + 1;
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
    for (const child of children) if (depth < params.maxDepth) child.best = bestSplit(input, child, params);
    leaves.splice(pick, 1, ...children);
    leafCount++;
  }
  return { tree: { nodes }, splitBins: Int32Array.from(splitBins) };
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
