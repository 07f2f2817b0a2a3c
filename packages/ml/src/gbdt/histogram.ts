import { FillArena, type ArenaBlock } from "./arena.js";
import { MISSING_BIN } from "./binning.js";

/** Bins per feature in a histogram: the value bins (at most 255) and the MISSING bin. */
export const HIST = 256;
/** Entries per bin: gradient sum, hessian sum, row count (a count is exact in a double). */
export const SLOTS = 3;

/**
 * Gradient, hessian and row sums per (feature position, bin), side by side so that one row's
 * update touches one cache line: bin b of position p starts at (p * HIST + b) * SLOTS. Beside
 * them, per position, the value bins not all zero, ascending: every bin left out holds exact
 * zeros, so a scan over the list sees every sum a scan over all bins would: position p's listed
 * bins are list[p * HIST] .. list[p * HIST + listed[p] - 1]. All of it lives in the pool's
 * WebAssembly memory, where the kernels of histogram.wat fill, subtract and search it.
 */
export interface Histogram extends ArenaBlock {
  /** Its index among a pool's reserved histograms (the same on both threads of a shared tree), or -1. */
  readonly id: number;
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
 * Every operation covers the positions [from, to): two threads can grow one tree, each over its
 * own positions of its own histograms. Only the bins a feature uses (and MISSING) are ever
 * zeroed; only listed ones are subtracted or read.
 */
export class HistogramPool {
  private readonly free: Histogram[] = [];
  private readonly rowBuffer: Uint32Array;
  readonly scratchRows: Uint32Array;
  private readonly arena: FillArena;
  private matrixOf: Uint8Array[] | undefined;
  private readonly fixed: boolean;

  /**
   * `rows`: the row buffer to partition in (default a new one). `fixed`: the pool hands out only
   * that many histograms, ids 0..fixed-1 (a shared tree's, matched by id on the other thread).
   */
  constructor(
    private readonly maxFeatures: number,
    maxRows: number,
    options: { rows?: Uint32Array; fixed?: number } = {},
  ) {
    this.rowBuffer = options.rows ?? new Uint32Array(maxRows);
    this.scratchRows = new Uint32Array(maxRows);
    this.fixed = options.fixed !== undefined;
    this.arena = new FillArena(maxFeatures, maxRows, options.fixed ?? 8);
    if (options.fixed !== undefined) this.free.push(...this.reserve(options.fixed).reverse());
  }

  /** `count` more histograms, ids 0..count-1, in this pool's memory but outside its free list. */
  reserve(count: number): Histogram[] {
    return Array.from({ length: count }, (_, id) => this.allocate(id));
  }

  private allocate(id: number): Histogram {
    return this.arena.allocate({ id });
  }

  /** The tree's rows in a buffer its leaves partition in place (the caller's array is left alone). */
  rows(source: Uint32Array): Uint32Array {
    this.rowBuffer.set(source);
    return this.rowBuffer.subarray(0, source.length);
  }

  take(): Histogram {
    const hist = this.free.pop();
    if (hist) return hist;
    if (this.fixed) throw new Error("GBDT: the shared tree's histogram pool ran out");
    return this.allocate(-1);
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
    if (this.matrixOf !== binned) {
      // the bins row by row, once per training run: one row's bins side by side
      const matrix = this.arena.matrix;
      const width = binned.length;
      for (let f = 0; f < width; f++) {
        const column = binned[f]!;
        for (let r = 0; r < column.length; r++) matrix[r * width + f] = column[r]!;
      }
      this.matrixOf = binned;
    }
    this.arena.fill(histogram, rows, grad, hess, features, from, to);
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
    this.arena.subtract(parent, child, from, to);
  }
}
