import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { compileSource, embeddedBinary, generatedPath, WAT_SOURCES } from "../../../scripts/build-wasm.js";
import { bilinearTaps, resizeCrop } from "../src/fish-classifier/images.js";
import { KEEP_BYTES, keptBytes, resampleRgb, unfilterPng } from "../src/fish-classifier/pixel-kernels.js";
import { resampleReference, unfilterReference } from "./pixel-reference.js";

const ROOT = resolve(import.meta.dirname, "../../..");

function noise(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let s = seed;
  for (let i = 0; i < length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    bytes[i] = s >>> 24;
  }
  return bytes;
}

/** Scanlines of `height` rows, filter types taken from `filters` in turn. */
function scanlines(stride: number, height: number, filters: number[], seed: number): Uint8Array {
  const raw = noise(height * (stride + 1), seed);
  for (let y = 0; y < height; y++) raw[y * (stride + 1)] = filters[y % filters.length]!;
  return raw;
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe("pixels.wat", () => {
  it.each(WAT_SOURCES)("%s matches its generated module (npm run build:wasm)", async (source) => {
    const embedded = embeddedBinary(await readFile(join(ROOT, generatedPath(source)), "utf8"));
    expect(embedded, "a base64 string in the generated module").toBeDefined();
    expect(Buffer.from(embedded!).equals(Buffer.from(await compileSource(source)))).toBe(true);
  });
});

describe("unfilterPng", () => {
  it("matches the specification's arithmetic for every filter, pixel size and row length", () => {
    let seed = 1;
    for (const bpp of [1, 2, 3, 4])
      for (const pixels of [1, 2, 5, 6, 16, 37, 104])
        for (const filters of [[0], [1], [2], [3], [4], [4, 2, 3, 1, 0, 4, 4]]) {
          const stride = pixels * bpp;
          const raw = scanlines(stride, 9, filters, seed++);
          const label = `bpp ${bpp}, ${pixels} px, filters ${filters.join(",")}`;
          expect(same(unfilterPng(raw, stride, 9, bpp), unfilterReference(raw, stride, 9, bpp)), label).toBe(
            true,
          );
        }
  });

  it("gives the same rows when called again after a larger image (no state between calls)", () => {
    const small = scanlines(12, 3, [4, 3], 7);
    const first = unfilterPng(small, 12, 3, 3);
    unfilterPng(scanlines(3000, 50, [4, 1, 2], 8), 3000, 50, 3);
    expect(same(unfilterPng(small, 12, 3, 3), first)).toBe(true);
  });

  it("refuses unknown filter types and scanlines of the wrong size", () => {
    expect(() => unfilterPng(scanlines(6, 4, [0, 0, 5], 3), 6, 4, 3)).toThrow(/unknown row filter 5/);
    expect(() => unfilterPng(scanlines(6, 4, [255], 3), 6, 4, 3)).toThrow(/unknown row filter 255/);
    expect(() => unfilterPng(new Uint8Array(27), 6, 4, 3)).toThrow(/do not match/);
    expect(() => unfilterPng(new Uint8Array(28), 6, 4, 0)).toThrow(/bytes per pixel/);
    expect(() => unfilterPng(new Uint8Array(28), 6, 4, 7)).toThrow(/bytes per pixel/);
  });

  it("does not keep a large image's memory: it runs in an instance of its own", () => {
    const stride = 3000 * 3;
    const height = Math.ceil(KEEP_BYTES / stride / 2) + 10; // raw + rows > KEEP_BYTES
    const raw = scanlines(stride, height, [4, 2], 11);
    expect(same(unfilterPng(raw, stride, height, 3), unfilterReference(raw, stride, height, 3))).toBe(true);
    expect(keptBytes()).toBeLessThanOrEqual(KEEP_BYTES);
  });
});

describe("resizeCrop (resampleRgb)", () => {
  type Crop = { left: number; top: number; width: number; height: number };
  const reference = (src: Uint8Array, w: number, h: number, width: number, height: number, crop: Crop) =>
    resampleReference(
      src,
      w,
      bilinearTaps(crop.width, w, width, crop.left),
      bilinearTaps(crop.height, h, height, crop.top),
    );
  const cases: [
    string,
    number,
    number,
    number,
    number,
    { left: number; top: number; width: number; height: number },
  ][] = [
    [
      "fish photo: 104x112 to 256x276, crop 224",
      104,
      112,
      256,
      276,
      { left: 16, top: 26, width: 224, height: 224 },
    ],
    [
      "odd sizes, row length not a multiple of 16",
      37,
      23,
      61,
      40,
      { left: 3, top: 5, width: 55, height: 31 },
    ],
    ["one pixel wide", 1, 9, 3, 20, { left: 0, top: 2, width: 3, height: 16 }],
    ["a single pixel source", 1, 1, 5, 5, { left: 0, top: 0, width: 5, height: 5 }],
    ["downscale", 300, 200, 96, 64, { left: 16, top: 0, width: 64, height: 64 }],
    ["no crop, same size", 16, 16, 16, 16, { left: 0, top: 0, width: 16, height: 16 }],
  ];
  it.each(cases)("matches the scalar arithmetic byte for byte: %s", (_, w, h, width, height, crop) => {
    const src = noise(w * h * 3, w * 31 + h);
    const out = resizeCrop(src, w, h, width, height, crop);
    expect(out).toHaveLength(crop.width * crop.height * 3);
    expect(same(out, reference(src, w, h, width, height, crop))).toBe(true);
  });

  it("copies only the touched columns of very wide rows, with the same result", () => {
    // 40000 x 40 RGB: the rows the crop touches are over 4 MB, so only their columns are copied
    const [w, h] = [40_000, 40];
    const src = noise(w * h * 3, 5);
    const crop = { left: 100_000, top: 10, width: 48, height: 40 };
    const out = resizeCrop(src, w, h, 2 * w, 2 * h, crop);
    expect(same(out, reference(src, w, h, 2 * w, 2 * h, crop))).toBe(true);
  });

  it("refuses taps outside the source", () => {
    const taps = (first: number[], second: number[]) => ({
      first: Int32Array.from(first),
      second: Int32Array.from(second),
      weight: new Int32Array(first.length),
    });
    const src = new Uint8Array(4 * 4 * 3);
    expect(() => resampleRgb(src, 4, taps([0, 3], [1, 4]), taps([0], [1]))).toThrow(/outside/);
    expect(() => resampleRgb(src, 4, taps([-1], [0]), taps([0], [1]))).toThrow(/outside/);
    expect(() => resampleRgb(src, 4, taps([0], [1]), taps([3], [4]))).toThrow(/outside/);
    expect(resampleRgb(src, 4, taps([0, 3], [1, 3]), taps([0], [3]))).toHaveLength(6);
  });
});
