// The hot loops of the image path (PNG unfiltering, the bilinear resize) in WebAssembly: a quarter
// of JavaScript's serving-thread time, the same bytes out (bench/RESULTS.md). Source: pixels.wat;
// this module lays out each call's memory and runs it.
import { PIXELS_WASM } from "./pixels-wasm.js";

interface LinearMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface PixelExports {
  memory: LinearMemory;
  unfilter(raw: number, out: number, stride: number, height: number, bpp: number): number;
  horizontal(
    src: number,
    stride: number,
    rows: number,
    first: number,
    second: number,
    weight: number,
    count: number,
    dst: number,
  ): void;
  vertical(
    scaled: number,
    top: number,
    bottom: number,
    weight: number,
    height: number,
    length: number,
    dst: number,
  ): void;
}

/**
 * Memory one shared instance may keep between calls (wasm memory never shrinks). A call that needs
 * more runs in an instance of its own, garbage once it returns: one hostile image cannot pin
 * hundreds of megabytes for the life of the server.
 */
export const KEEP_BYTES = 16 << 20;
const PAGE = 65536;

// the WebAssembly global, typed here: TypeScript declares it only in the DOM libraries
const wasm = (
  globalThis as unknown as {
    WebAssembly: {
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object) => { exports: unknown };
    };
  }
).WebAssembly;

let compiled: object | undefined;
let shared: PixelExports | undefined;

function instantiate(): PixelExports {
  compiled ??= new wasm.Module(Buffer.from(PIXELS_WASM, "base64"));
  return new wasm.Instance(compiled).exports as PixelExports;
}

/** Regions of one call in linear memory, 16-byte aligned, from offset 0. */
class Layout {
  size = 0;
  take(bytes: number): number {
    const at = this.size;
    this.size = (at + bytes + 15) & ~15;
    return at;
  }
  /** An instance whose memory holds the layout: the shared one unless the layout is large. */
  instance(): PixelExports {
    const kernels = this.size > KEEP_BYTES ? instantiate() : (shared ??= instantiate());
    const have = kernels.memory.buffer.byteLength;
    if (this.size > have) kernels.memory.grow(Math.ceil((this.size - have) / PAGE));
    return kernels;
  }
}

/**
 * Reverses PNG filtering (method 0): `raw` holds `height` rows, each a filter-type byte and
 * `stride` filtered bytes; `bpp` is bytes per complete pixel. Returns the rows unfiltered, in a new
 * array; throws on an unknown filter type.
 */
export function unfilterPng(raw: Uint8Array, stride: number, height: number, bpp: number): Uint8Array {
  if (raw.length !== height * (stride + 1)) throw new RangeError("scanlines do not match the image size");
  if (bpp < 1 || bpp > stride) throw new RangeError(`bad bytes per pixel ${bpp}`);
  const layout = new Layout();
  const rawAt = layout.take(raw.length);
  // the row above the first reads as zeros: a zeroed region that ends where the output starts
  const zeroRow = layout.take(stride);
  const outAt = layout.take(stride * height);
  const kernels = layout.instance();
  const bytes = new Uint8Array(kernels.memory.buffer);
  bytes.set(raw, rawAt);
  bytes.fill(0, zeroRow, outAt);
  const bad = kernels.unfilter(rawAt, outAt, stride, height, bpp);
  if (bad) throw new RangeError(`unknown row filter ${raw[(bad - 1) * (stride + 1)]}`);
  return bytes.slice(outAt, outAt + stride * height);
}

/** Bilinear taps per output pixel: its two source pixels and the second one's weight in 1/256. */
export interface Taps {
  first: Int32Array;
  second: Int32Array;
  weight: Int32Array;
}

function span(taps: Taps): [number, number] {
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < taps.first.length; i++) {
    low = Math.min(low, taps.first[i]!, taps.second[i]!);
    high = Math.max(high, taps.first[i]!, taps.second[i]!);
  }
  return [low, high];
}

/**
 * Separable bilinear resampling of RGB `src` (`width` pixels a row) in 8-bit fixed point: each
 * source row the taps touch is scaled horizontally once (x 256), then pairs of those rows are
 * blended and rounded to nearest. Returns `ys` rows of `xs` pixels, in `into` when given.
 */
export function resampleRgb(
  src: Uint8Array,
  width: number,
  xs: Taps,
  ys: Taps,
  into?: Uint8Array,
): Uint8Array {
  const outWidth = xs.first.length;
  const outHeight = ys.first.length;
  if (into && into.length !== outWidth * outHeight * 3)
    throw new RangeError(`the output buffer holds ${into.length} bytes, not ${outWidth * outHeight * 3}`);
  const [x0, x1] = span(xs);
  const [y0, y1] = span(ys);
  if (x0 < 0 || y0 < 0 || x1 >= width || (y1 + 1) * width * 3 > src.length)
    throw new RangeError("taps outside the source image");
  const rows = y1 - y0 + 1;
  const count = outWidth * 3;
  // the rows the taps touch, whole when small (one copy), else only the columns they touch
  const whole = rows * width * 3 <= 1 << 22;
  const stride = whole ? width * 3 : (x1 - x0 + 1) * 3;
  const left = whole ? x0 * 3 : 0;

  const layout = new Layout();
  const srcAt = layout.take(rows * stride);
  const firstAt = layout.take(outWidth * 4);
  const secondAt = layout.take(outWidth * 4);
  const xWeightAt = layout.take(outWidth * 4);
  const topAt = layout.take(outHeight * 4);
  const bottomAt = layout.take(outHeight * 4);
  const yWeightAt = layout.take(outHeight * 4);
  const scaledAt = layout.take(rows * count * 2);
  const outAt = layout.take(count * outHeight);
  const kernels = layout.instance();
  const bytes = new Uint8Array(kernels.memory.buffer);
  const words = new Int32Array(kernels.memory.buffer);

  if (whole) bytes.set(src.subarray(y0 * width * 3, (y1 + 1) * width * 3), srcAt);
  else
    for (let r = 0; r < rows; r++) {
      const from = ((y0 + r) * width + x0) * 3;
      bytes.set(src.subarray(from, from + stride), srcAt + r * stride);
    }
  for (let x = 0; x < outWidth; x++) {
    words[(firstAt >> 2) + x] = left + (xs.first[x]! - x0) * 3;
    words[(secondAt >> 2) + x] = left + (xs.second[x]! - x0) * 3;
    words[(xWeightAt >> 2) + x] = xs.weight[x]!;
  }
  for (let y = 0; y < outHeight; y++) {
    words[(topAt >> 2) + y] = (ys.first[y]! - y0) * count * 2;
    words[(bottomAt >> 2) + y] = (ys.second[y]! - y0) * count * 2;
    words[(yWeightAt >> 2) + y] = ys.weight[y]!;
  }
  kernels.horizontal(srcAt, stride, rows, firstAt, secondAt, xWeightAt, outWidth, scaledAt);
  kernels.vertical(scaledAt, topAt, bottomAt, yWeightAt, outHeight, count, outAt);
  const out = bytes.subarray(outAt, outAt + count * outHeight);
  if (!into) return out.slice();
  into.set(out);
  return into;
}

/** Bytes of linear memory the shared instance holds now (0 before its first call). */
export function keptBytes(): number {
  return shared?.memory.buffer.byteLength ?? 0;
}
