import { MISSING_BIN } from "./binning.js";

/** Bins per feature in a histogram: the value bins (at most 255) and the MISSING bin. */
export const HIST = 256;
/** Entries per bin: gradient sum, hessian sum, row count (a count is exact in a double). */
export const SLOTS = 3;

/**
 * Gradient, hessian and row sums per (feature position, bin), side by side so that one row's
 * update touches one cache line: bin b of position p starts at (p * HIST + b) * SLOTS. Beside
 * them, per position, the value bins not all zero, ascending: every bin left out holds exact
 * zeros, so a scan over the list sees every sum a scan over all bins would.
 */
export interface Histogram {
  readonly sums: Float64Array;
  /** Position p's listed bins are list[p * HIST] .. list[p * HIST + listed[p] - 1]. */
  readonly list: Uint8Array;
  readonly listed: Int32Array;
  /** Its index in a shared pool (the same on both threads), or -1. */
  readonly id: number;
}

/** A histogram for up to `maxFeatures` positions, in memory two threads can share when `id` >= 0. */
export function newHistogram(maxFeatures: number, id = -1): Histogram {
  const buffer = (bytes: number) => (id >= 0 ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  return histogramOf({
    sums: new Float64Array(buffer(maxFeatures * HIST * SLOTS * 8)),
    list: new Uint8Array(buffer(maxFeatures * HIST)),
    listed: new Int32Array(buffer(maxFeatures * 4)),
    id,
  });
}

/**
 * A histogram object built the one way every histogram is (also one received from another
 * thread): the hot loops then see a single object shape.
 */
export function histogramOf(from: Histogram): Histogram {
  return { sums: from.sums, list: from.list, listed: from.listed, id: from.id };
}

interface FillInput {
  binned: Uint8Array[];
  grad: Float64Array;
  hess: Float64Array;
  features: number[];
}

/**
 * Histograms and row buffers for one training run, reused from node to node and tree to tree:
 * a tree of 64 leaves would otherwise allocate ~130 histograms of 3 × features × 256 entries.
 * Every operation covers the positions [from, to): two threads can share a node's histograms,
 * each over its own positions. Only the bins a feature uses (and MISSING) are ever zeroed; only
 * listed ones are subtracted or read.
 */
export class HistogramPool {
  private readonly free: Histogram[];
  private readonly rowBuffer: Uint32Array;
  readonly scratchRows: Uint32Array;
  private readonly offsets: Int32Array;
  private matrix: Uint8Array | undefined;
  private matrixOf: Uint8Array[] | undefined;

  /** With `shared` histograms (ids 0..n-1), the pool hands out only those; `rows` is its row buffer. */
  constructor(
    private readonly maxFeatures: number,
    maxRows: number,
    private readonly shared?: Histogram[],
    rows?: Uint32Array,
  ) {
    this.free = shared ? [...shared].reverse() : [];
    this.rowBuffer = rows ?? new Uint32Array(maxRows);
    this.scratchRows = new Uint32Array(maxRows);
    this.offsets = new Int32Array(maxFeatures);
  }

  /** The tree's rows in a buffer its leaves partition in place (the caller's array is left alone). */
  rows(source: Uint32Array): Uint32Array {
    this.rowBuffer.set(source);
    return this.rowBuffer.subarray(0, source.length);
  }

  take(): Histogram {
    const hist = this.free.pop();
    if (hist) return hist;
    if (this.shared) throw new Error("GBDT: the shared histogram pool ran out");
    return newHistogram(this.maxFeatures);
  }

  release(hist: Histogram): void {
    this.free.push(hist);
  }

  /**
   * Zeroes the used bins of positions [from, to), written through rather than only the listed
   * ones: the pass brings them into cache for the scattered adds of `fill`.
   */
  clear(hist: Histogram, used: ArrayLike<number>, from: number, to: number): void {
    const sums = hist.sums;
    for (let p = from; p < to; p++) {
      const offset = p * HIST * SLOTS;
      sums.fill(0, offset, offset + used[p]! * SLOTS);
      const m = offset + MISSING_BIN * SLOTS;
      sums.fill(0, m, m + SLOTS);
    }
  }

  /**
   * Sums the rows' gradients and hessians into positions [from, to), row by row in the rows'
   * order. The lists are left to the caller: `listUsed` for a tree's root, `split` for a child.
   */
  fill(histogram: Histogram, input: FillInput, rows: Uint32Array, from: number, to: number): void {
    const { grad, hess, features, binned } = input;
    const hist = histogram.sums;
    const width = binned.length;
    const rowMajor = this.rowMajor(binned);
    const offsets = this.offsets;
    for (let p = from; p < to; p++) offsets[p] = p * HIST * SLOTS;
    const n = rows.length;
    for (let k = 0; k < n; k++) {
      const r = rows[k]!;
      const g = grad[r]!;
      const h = hess[r]!;
      const base = r * width;
      for (let p = from; p < to; p++) {
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

  /** Lists, for positions [from, to), the value bins below `used[p]` that some row fell in (a filled root). */
  listUsed(hist: Histogram, used: ArrayLike<number>, from: number, to: number): void {
    const { sums, list, listed } = hist;
    for (let p = from; p < to; p++) {
      const offset = p * HIST;
      let n = 0;
      for (let b = 0; b < used[p]!; b++) if (sums[(offset + b) * SLOTS + 2] !== 0) list[offset + n++] = b;
      listed[p] = n;
    }
  }

  /**
   * parent -= child bin by bin over positions [from, to), over the parent's listed bins (a bin it
   * leaves out is zero in both): the parent's histogram becomes its other child's. The child,
   * filled from a subset of the parent's rows, lists the bins it has rows in; the parent keeps
   * those not exactly zero now.
   */
  split(parent: Histogram, child: Histogram, from: number, to: number): void {
    const ps = parent.sums;
    const cs = child.sums;
    const { list, listed } = parent;
    for (let p = from; p < to; p++) {
      const offset = p * HIST;
      const end = offset + listed[p]!;
      let kept = offset;
      let taken = offset;
      for (let j = offset; j < end; j++) {
        const b = list[j]!;
        const i = (offset + b) * SLOTS;
        const c = cs[i + 2]!;
        // a bin no row of the child fell in holds exact zeros: subtracting them changes nothing
        if (c !== 0) {
          ps[i]! -= cs[i]!;
          ps[i + 1]! -= cs[i + 1]!;
          ps[i + 2]! -= c;
          child.list[taken++] = b;
          // listed bins are never all zero; one the child emptied exactly leaves the list
          if (ps[i + 2] === 0 && ps[i] === 0 && ps[i + 1] === 0) continue;
        }
        list[kept++] = b;
      }
      listed[p] = kept - offset;
      child.listed[p] = taken - offset;
      const m = (offset + MISSING_BIN) * SLOTS;
      ps[m]! -= cs[m]!;
      ps[m + 1]! -= cs[m + 1]!;
      ps[m + 2]! -= cs[m + 2]!;
    }
  }
}
