// The image path's loops as they were in plain JavaScript before pixels.wat: the oracle the
// WebAssembly kernels must match byte for byte (trained models saw inputs made by these).

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

interface Crop {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The separable 8-bit fixed-point bilinear resize, scalar. */
export function resizeCropReference(
  src: Uint8Array,
  w: number,
  h: number,
  width: number,
  height: number,
  crop: Crop,
): Uint8Array {
  const taps = (out: number, from: number, to: number, offset: number) => {
    const first = new Int32Array(out);
    const second = new Int32Array(out);
    const weight = new Int32Array(out);
    for (let i = 0; i < out; i++) {
      const at = Math.min(Math.max((i + offset + 0.5) * (from / to) - 0.5, 0), from - 1);
      const i0 = Math.floor(at);
      first[i] = i0;
      second[i] = Math.min(i0 + 1, from - 1);
      weight[i] = Math.round((at - i0) * 256);
    }
    return { first, second, weight };
  };
  const xs = taps(crop.width, w, width, crop.left);
  const ys = taps(crop.height, h, height, crop.top);
  const out = new Uint8Array(crop.width * crop.height * 3);
  for (let y = 0, o = 0; y < crop.height; y++)
    for (let x = 0; x < crop.width; x++)
      for (let c = 0; c < 3; c++) {
        const row = (r: number) =>
          src[(r * w + xs.first[x]!) * 3 + c]! * (256 - xs.weight[x]!) +
          src[(r * w + xs.second[x]!) * 3 + c]! * xs.weight[x]!;
        const value = row(ys.first[y]!) * (256 - ys.weight[y]!) + row(ys.second[y]!) * ys.weight[y]!;
        out[o++] = (value + 32768) >> 16;
      }
  return out;
}
