import { MISSING_BIN } from "./binning.js";

/** Bins per feature in a histogram: the value bins (at most 255) and the MISSING bin. */
export const HIST = 256;
/** Entries per bin: gradient sum, hessian sum, row count (a count is exact in a double). */
export const SLOTS = 3;

/**
 * Gradient, hessian and row sums per (feature position, bin), side by side so that one row's
 * update touches one cache line: bin b of position p starts at (p * HIST + b) * SLOTS.
 */
export type Histogram = Float64Array;

interface FillInput {
  binned: Uint8Array[];
  grad: Float64Array;
  hess: Float64Array;
  features: number[];
}

/**
 * Histograms and row buffers for one training run, reused from node to node and tree to tree:
 * a tree of 64 leaves would otherwise allocate ~130 histograms of 3 × features × 256 entries.
 * Only the bins a feature uses (and MISSING) are ever zeroed, filled, subtracted or read.
 */
export class HistogramPool {
  private readonly free: Histogram[] = [];
  private readonly rowBuffer: Uint32Array;
  readonly scratchRows: Uint32Array;
  private readonly offsets: Int32Array;
  private matrix: Uint8Array | undefined;
  private matrixOf: Uint8Array[] | undefined;

  constructor(
    private readonly maxFeatures: number,
    maxRows: number,
  ) {
    this.rowBuffer = new Uint32Array(maxRows);
    this.scratchRows = new Uint32Array(maxRows);
    this.offsets = new Int32Array(maxFeatures);
  }

  /** The tree's rows in a buffer its leaves partition in place (the caller's array is left alone). */
  rows(source: Uint32Array): Uint32Array {
    this.rowBuffer.set(source);
    return this.rowBuffer.subarray(0, source.length);
  }

  /** A histogram with the used bins of each feature position (`used[p]` bins) zeroed. */
  take(used: number[]): Histogram {
    const hist = this.free.pop() ?? new Float64Array(this.maxFeatures * HIST * SLOTS);
    for (let p = 0; p < used.length; p++) {
      const offset = p * HIST * SLOTS;
      hist.fill(0, offset, offset + used[p]! * SLOTS);
      const m = offset + MISSING_BIN * SLOTS;
      hist.fill(0, m, m + SLOTS);
    }
    return hist;
  }

  release(hist: Histogram): void {
    this.free.push(hist);
  }

  /** Sums the rows' gradients and hessians into the histogram, row by row in the rows' order. */
  fill(hist: Histogram, input: FillInput, rows: Uint32Array): void {
    const { grad, hess, features, binned } = input;
    const width = binned.length;
    const rowMajor = this.rowMajor(binned);
    const positions = features.length;
    const offsets = this.offsets;
    for (let p = 0; p < positions; p++) offsets[p] = p * HIST * SLOTS;
    const n = rows.length;
    for (let k = 0; k < n; k++) {
      const r = rows[k]!;
      const g = grad[r]!;
      const h = hess[r]!;
      const base = r * width;
      for (let p = 0; p < positions; p++) {
        const b = offsets[p]! + rowMajor[base + features[p]!]! * SLOTS;
        hist[b]! += g;
        hist[b + 1]! += h;
        hist[b + 2]!++;
      }
    }
  }

  /** The bins row by row (built once per training run): one row's bins side by side. */
  private rowMajor(binned: Uint8Array[]): Uint8Array {
    if (this.matrix && this.matrixOf === binned) return this.matrix;
    const width = binned.length;
    const n = binned[0]!.length;
    const matrix = new Uint8Array(n * width);
    for (let f = 0; f < width; f++) {
      const column = binned[f]!;
      for (let r = 0; r < n; r++) matrix[r * width + f] = column[r]!;
    }
    this.matrix = matrix;
    this.matrixOf = binned;
    return matrix;
  }

  /** parent -= child over the used bins: the parent's histogram becomes its other child's. */
  subtract(parent: Histogram, child: Histogram, used: number[]): void {
    for (let p = 0; p < used.length; p++) {
      const offset = p * HIST * SLOTS;
      const end = offset + used[p]! * SLOTS;
      // a bin no row of the child fell in holds exact zeros: subtracting them changes nothing
      for (let i = offset; i < end; i += SLOTS) {
        if (child[i + 2] === 0) continue;
        parent[i]! -= child[i]!;
        parent[i + 1]! -= child[i + 1]!;
        parent[i + 2]! -= child[i + 2]!;
      }
      const m = offset + MISSING_BIN * SLOTS;
      parent[m]! -= child[m]!;
      parent[m + 1]! -= child[m + 1]!;
      parent[m + 2]! -= child[m + 2]!;
    }
  }
}
