import type { Taps } from "../src/fish-classifier/pixel-kernels.js";

// The image path's arithmetic in plain, slow JavaScript, spelt as the PNG specification and the
// bilinear formula read: the oracle the WebAssembly kernels must match byte for byte (trained
// models saw inputs made this way).

/** Reverses PNG filtering one row at a time, the way the PNG specification spells it out. */
export function unfilterReference(raw: Uint8Array, stride: number, height: number, bpp: number): Uint8Array {
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const o = y * stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? out[o + i - bpp]! : 0;
      const b = y > 0 ? out[o - stride + i]! : 0;
      const c = y > 0 && i >= bpp ? out[o - stride + i - bpp]! : 0;
      const p = a + b - c;
      const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter];
      if (predictor === undefined) throw new Error(`unknown row filter ${filter}`);
      out[o + i] = (raw[src + i]! + predictor) & 0xff;
    }
  }
  return out;
}

/** Bilinear resampling with the taps given, one output byte at a time (no separable pass). */
export function resampleReference(src: Uint8Array, w: number, xs: Taps, ys: Taps): Uint8Array {
  const out = new Uint8Array(xs.first.length * ys.first.length * 3);
  for (let y = 0, o = 0; y < ys.first.length; y++)
    for (let x = 0; x < xs.first.length; x++)
      for (let c = 0; c < 3; c++) {
        const row = (r: number) =>
          src[(r * w + xs.first[x]!) * 3 + c]! * (256 - xs.weight[x]!) +
          src[(r * w + xs.second[x]!) * 3 + c]! * xs.weight[x]!;
        const value = row(ys.first[y]!) * (256 - ys.weight[y]!) + row(ys.second[y]!) * ys.weight[y]!;
        out[o++] = (value + 32768) >> 16;
      }
  return out;
}
