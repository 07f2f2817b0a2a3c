import { HISTOGRAM_WASM } from "./histogram-wasm.js";

/** Bytes of one position's bins in a histogram: 256 bins of gradient, hessian and count (f64). */
const POSITION_BYTES = 256 * 3 * 8;
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

type FillKernel = (
  hist: number,
  matrix: number,
  width: number,
  rows: number,
  pairs: number,
  n: number,
  features: number,
  from: number,
  to: number,
) => void;

/** A histogram's sums inside an arena: its byte offset stays, its view is re-made when memory grows. */
export interface ArenaBlock {
  readonly offset: number;
  readonly length: number;
  sums: Float64Array;
}

/**
 * The WebAssembly memory one histogram pool fills in (one per thread and pool: nothing in it is
 * shared): the bins row by row, a fill's rows and their gradient pairs, and every histogram's
 * sums, which the rest of the GBDT reads and writes as Float64Array views.
 */
export class FillArena {
  private readonly memory: WasmMemory;
  private readonly kernel: FillKernel;
  private readonly rowsAt: number;
  private readonly pairsAt: number;
  private readonly featuresAt: number;
  private readonly matrixAt: number;
  private top: number;
  private readonly blocks: ArenaBlock[] = [];
  private buffer: ArrayBuffer;
  private rows!: Uint32Array;
  private pairs!: Float64Array;
  private features!: Int32Array;
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
    this.matrixAt = align(this.featuresAt + width * 4);
    this.top = align(this.matrixAt + maxRows * width);
    const bytes = this.top + histograms * width * POSITION_BYTES;
    this.memory = new wasm.Memory({ initial: Math.ceil(bytes / PAGE) });
    compiled ??= new wasm.Module(Buffer.from(HISTOGRAM_WASM, "base64"));
    const instance = new wasm.Instance(compiled, { env: { memory: this.memory } });
    this.kernel = instance.exports.fill as FillKernel;
    this.buffer = this.memory.buffer;
    this.bind();
  }

  /** `fields` with new sums (zeros) of its own, growing the memory when it is full. */
  allocate<T extends object>(fields: T): T & ArenaBlock {
    const bytes = this.width * POSITION_BYTES;
    const needed = this.top + bytes - this.memory.buffer.byteLength;
    if (needed > 0) this.memory.grow(Math.ceil(needed / PAGE));
    if (this.memory.buffer !== this.buffer) {
      this.buffer = this.memory.buffer;
      this.bind();
    }
    const length = bytes / 8;
    const block = {
      ...fields,
      offset: this.top,
      length,
      sums: new Float64Array(this.buffer, this.top, length),
    };
    this.blocks.push(block);
    this.top += bytes;
    return block;
  }

  /** Every view over the memory, made again (growing it detached the old ones). */
  private bind(): void {
    const buffer = this.buffer;
    this.rows = new Uint32Array(buffer, this.rowsAt, this.maxRows);
    this.pairs = new Float64Array(buffer, this.pairsAt, this.maxRows * 2);
    this.features = new Int32Array(buffer, this.featuresAt, this.width);
    this.matrix = new Uint8Array(buffer, this.matrixAt, this.maxRows * this.width);
    for (const block of this.blocks) block.sums = new Float64Array(buffer, block.offset, block.length);
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
    this.kernel(
      block.offset,
      this.matrixAt,
      this.width,
      this.rowsAt,
      this.pairsAt,
      n,
      this.featuresAt,
      from,
      to,
    );
  }
}

const align = (bytes: number) => Math.ceil(bytes / 64) * 64;
