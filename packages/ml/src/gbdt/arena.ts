import { HISTOGRAM_WASM } from "./histogram-wasm.js";

/** Bytes of one position in a histogram: 256 bins of gradient, hessian and count (f64), its list, its length. */
const SUMS_BYTES = 256 * 3 * 8;
const LIST_BYTES = 256;
const PAGE = 65_536;

interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

// the WebAssembly global, typed here: TypeScript declares it only in the DOM libraries
const wasm = (
  globalThis as unknown as {
    WebAssembly: {
      Memory: new (descriptor: { initial: number }) => WasmMemory;
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
    };
  }
).WebAssembly;

let compiled: object | undefined;

interface Kernels {
  fill(
    hist: number,
    matrix: number,
    width: number,
    rows: number,
    pairs: number,
    n: number,
    features: number,
    from: number,
    to: number,
  ): void;
  subtract(parent: number, child: number, width: number, from: number, to: number): void;
  best(
    hist: number,
    width: number,
    used: number,
    from: number,
    to: number,
    totalG: number,
    totalH: number,
    count: number,
    lambda: number,
    minSamples: number,
    minHessian: number,
    minGain: number,
    result: number,
  ): void;
}

/** A histogram's memory inside an arena: its offset stays, its views are re-made when memory grows. */
export interface ArenaBlock {
  readonly arena: FillArena;
  readonly offset: number;
  sums: Float64Array;
  list: Uint8Array;
  listed: Int32Array;
}

/** What a split search needs of a leaf and of the params. */
export interface SearchInput {
  g: number;
  h: number;
  count: number;
  lambda: number;
  minSamplesLeaf: number;
  minHessianLeaf: number;
  minGain: number;
}

/**
 * The WebAssembly memory one histogram pool works in (one per thread and pool: nothing in it is
 * shared): the bins row by row, a fill's rows and their gradient pairs, and every histogram's
 * sums and lists, which the rest of the GBDT reads and writes as typed-array views.
 */
export class FillArena {
  private readonly memory: WasmMemory;
  private readonly kernels: Kernels;
  private readonly rowsAt: number;
  private readonly pairsAt: number;
  private readonly featuresAt: number;
  private readonly usedAt: number;
  private readonly resultAt: number;
  private readonly matrixAt: number;
  private readonly blockBytes: number;
  private top: number;
  private readonly blocks: ArenaBlock[] = [];
  private buffer: ArrayBuffer;
  private rows!: Uint32Array;
  private pairs!: Float64Array;
  private features!: Int32Array;
  private used!: Int32Array;
  private resultGain!: Float64Array;
  private result!: Int32Array;
  /** The bins row by row: row r's bins at [r * width, (r + 1) * width). */
  matrix!: Uint8Array;

  constructor(
    private readonly width: number,
    private readonly maxRows: number,
    histograms: number,
  ) {
    this.rowsAt = 0;
    this.pairsAt = align(maxRows * 4);
    this.featuresAt = this.pairsAt + maxRows * 16;
    this.usedAt = align(this.featuresAt + width * 4);
    this.resultAt = align(this.usedAt + width * 4);
    this.matrixAt = align(this.resultAt + 24);
    this.top = align(this.matrixAt + maxRows * width);
    this.blockBytes = align(width * (SUMS_BYTES + LIST_BYTES + 4));
    this.memory = new wasm.Memory({ initial: Math.ceil((this.top + histograms * this.blockBytes) / PAGE) });
    compiled ??= new wasm.Module(Buffer.from(HISTOGRAM_WASM, "base64"));
    const instance = new wasm.Instance(compiled, { env: { memory: this.memory } });
    this.kernels = instance.exports as unknown as Kernels;
    this.buffer = this.memory.buffer;
    this.bind();
  }

  /** `fields` with a new histogram's memory (zeros), growing the memory when it is full. */
  allocate<T extends object>(fields: T): T & ArenaBlock {
    const needed = this.top + this.blockBytes - this.memory.buffer.byteLength;
    if (needed > 0) this.memory.grow(Math.ceil(needed / PAGE));
    if (this.memory.buffer !== this.buffer) {
      this.buffer = this.memory.buffer;
      this.bind();
    }
    const offset = this.top;
    const block = { ...fields, arena: this, offset, ...this.views(offset) };
    this.blocks.push(block);
    this.top += this.blockBytes;
    return block;
  }

  private views(offset: number): Pick<ArenaBlock, "sums" | "list" | "listed"> {
    const { buffer, width } = this;
    const listAt = offset + width * SUMS_BYTES;
    return {
      sums: new Float64Array(buffer, offset, (width * SUMS_BYTES) / 8),
      list: new Uint8Array(buffer, listAt, width * LIST_BYTES),
      listed: new Int32Array(buffer, listAt + width * LIST_BYTES, width),
    };
  }

  /** Every view over the memory, made again (growing it detached the old ones). */
  private bind(): void {
    const buffer = this.buffer;
    this.rows = new Uint32Array(buffer, this.rowsAt, this.maxRows);
    this.pairs = new Float64Array(buffer, this.pairsAt, this.maxRows * 2);
    this.features = new Int32Array(buffer, this.featuresAt, this.width);
    this.used = new Int32Array(buffer, this.usedAt, this.width);
    this.resultGain = new Float64Array(buffer, this.resultAt, 1);
    this.result = new Int32Array(buffer, this.resultAt + 8, 3);
    this.matrix = new Uint8Array(buffer, this.matrixAt, this.maxRows * this.width);
    for (const block of this.blocks) Object.assign(block, this.views(block.offset));
  }

  /**
   * Adds each row's gradient, hessian and 1 into `block`'s bins of positions [from, to), row by
   * row in the rows' order (the matrix must hold the bins of the data the rows index).
   */
  fill(
    block: ArenaBlock,
    rows: Uint32Array,
    grad: Float64Array,
    hess: Float64Array,
    features: ArrayLike<number>,
    from: number,
    to: number,
  ): void {
    const n = rows.length;
    const { rows: into, pairs } = this;
    for (let k = 0; k < n; k++) {
      const r = rows[k]!;
      into[k] = r;
      pairs[2 * k] = grad[r]!;
      pairs[2 * k + 1] = hess[r]!;
    }
    const positions = this.features;
    for (let p = from; p < to; p++) positions[p] = features[p]!;
    const { rowsAt, pairsAt, featuresAt, matrixAt, width } = this;
    this.kernels.fill(block.offset, matrixAt, width, rowsAt, pairsAt, n, featuresAt, from, to);
  }

  /** parent -= child over positions [from, to), both lists updated (HistogramPool.split). */
  subtract(parent: ArenaBlock, child: ArenaBlock, from: number, to: number): void {
    this.kernels.subtract(parent.offset, child.offset, this.width, from, to);
  }

  /** The best split over positions [from, to) (split.ts's bestSplit): position -1 when none. */
  best(
    block: ArenaBlock,
    used: ArrayLike<number>,
    from: number,
    to: number,
    leaf: SearchInput,
  ): { gain: number; position: number; bin: number; missingLeft: boolean } {
    const into = this.used;
    for (let p = from; p < to; p++) into[p] = used[p]!;
    const { g, h, count, lambda, minSamplesLeaf, minHessianLeaf, minGain } = leaf;
    this.kernels.best(
      block.offset,
      this.width,
      this.usedAt,
      from,
      to,
      g,
      h,
      count,
      lambda,
      minSamplesLeaf,
      minHessianLeaf,
      minGain,
      this.resultAt,
    );
    const result = this.result;
    return { gain: this.resultGain[0]!, position: result[0]!, bin: result[1]!, missingLeft: result[2] === 1 };
  }
}

const align = (bytes: number) => Math.ceil(bytes / 64) * 64;
