import sharp from "sharp";
import { ModelError } from "../errors.js";
import { resampleRgb, type Taps } from "./pixel-kernels.js";
import { decodePngRgb } from "./png.js";

/** Larger images are refused before decoding (decompression bombs). */
export const MAX_PIXELS = 40_000_000;
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;

export interface ImageGeometry {
  /** Side of the square the model sees. */
  size: number;
  /** The shorter side is resized to this before the centre crop. */
  resize: number;
}

/** The container format from its magic bytes: decoding anything else is refused before libvips sees it. */
export function sniffImageFormat(bytes: Uint8Array): "jpeg" | "png" | "webp" | undefined {
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "jpeg";
  if (ascii(0, 8) === "\x89PNG\r\n\x1a\n") return "png";
  if (ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return "webp";
  return undefined;
}

/**
 * Decodes an image (JPEG, PNG, WebP; EXIF orientation applied), resizes its shorter side to
 * `resize` (bilinear), centre-crops `size` x `size` and returns RGB bytes, height x width x 3 (in
 * `into`, size x size x 3 bytes, when given). The same function prepares training and serving inputs.
 *
 * Images at most `resize` on their shorter side (small crops, the common case for this model) are
 * decoded (plain 8-bit PNGs in-process, see decodePngRgb; the rest by libvips) and scaled up here:
 * libvips' own upscale costs several times the decode for such images. Larger images are reduced
 * by libvips, whose linear kernel covers the whole footprint of each output pixel instead of
 * sampling four.
 */
export async function prepareImage(
  bytes: Uint8Array,
  geometry: ImageGeometry,
  into?: Uint8Array,
): Promise<Uint8Array> {
  if (into && into.length !== geometry.size * geometry.size * 3)
    throw new RangeError(`the output buffer holds ${into.length} bytes, not ${geometry.size ** 2 * 3}`);
  const format = sniffImageFormat(bytes);
  if (!format)
    throw new ModelError("DATA_INVALID", "not a readable image: the format is not JPEG, PNG or WebP");
  try {
    const decoded = () =>
      sharp(bytes, { limitInputPixels: MAX_PIXELS, failOn: "error" })
        .rotate()
        .removeAlpha()
        .toColourspace("srgb");
    const plan = (w: number, h: number) => {
      const scale = geometry.resize / Math.min(w, h);
      const width = Math.max(geometry.size, Math.round(w * scale));
      const height = Math.max(geometry.size, Math.round(h * scale));
      const crop = {
        left: Math.floor((width - geometry.size) / 2),
        top: Math.floor((height - geometry.size) / 2),
        width: geometry.size,
        height: geometry.size,
      };
      return { scale, width, height, crop };
    };
    // which path depends only on the shorter side (rotation keeps it): a PNG says it in its first
    // bytes, other formats in a header read; a large photo is then decoded once, shrunk on load
    const png = format === "png" ? pngSize(bytes) : undefined;
    const meta = png ? undefined : await sharp(bytes, { limitInputPixels: MAX_PIXELS }).metadata();
    const shorter = png ? Math.min(png.width, png.height) : Math.min(meta?.width ?? 0, meta?.height ?? 0);
    if (!shorter) throw new Error("the image has no size");
    if (shorter <= geometry.resize) {
      const own = png ? decodePngRgb(bytes, MAX_PIXELS) : undefined;
      if (own) {
        const { width, height, crop } = plan(own.width, own.height);
        return resizeCrop(own.data, own.width, own.height, width, height, crop, into);
      }
      const { data, info } = await decoded().raw().toBuffer({ resolveWithObject: true });
      if (info.channels !== 3) throw new Error(`decoded ${info.channels} channels`);
      const { width, height, crop } = plan(info.width, info.height);
      return resizeCrop(data, info.width, info.height, width, height, crop, into);
    }
    const header = meta ?? (await sharp(bytes, { limitInputPixels: MAX_PIXELS }).metadata());
    const swapped = (header.orientation ?? 1) >= 5;
    const [w, h] = swapped ? [header.height!, header.width!] : [header.width!, header.height!];
    const { width, height, crop } = plan(w, h);
    const reduced = await decoded()
      .resize(width, height, { fit: "fill", kernel: "linear" })
      .extract(crop)
      .raw()
      .toBuffer();
    if (reduced.length !== geometry.size * geometry.size * 3)
      throw new Error(`decoded ${reduced.length} bytes`);
    if (into) {
      into.set(reduced);
      return into;
    }
    return new Uint8Array(reduced.buffer, reduced.byteOffset, reduced.length);
  } catch (error) {
    const message = (error as Error).message;
    if (/pixel limit/i.test(message))
      throw new ModelError("DATA_INVALID", `the image is larger than ${MAX_PIXELS} pixels`);
    throw new ModelError("DATA_INVALID", `not a readable image: ${message.split("\n")[0]}`);
  }
}

/** Width and height from a PNG's IHDR chunk (always first), or undefined when it is not there. */
function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 24 || String.fromCharCode(...bytes.subarray(12, 16)) !== "IHDR") return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, 24);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

interface Crop {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Bilinear resize of RGB `src` (w x h) to `width` x `height` (half-pixel centres, edges clamped),
 * computing only the pixels inside `crop` (see resampleRgb for the arithmetic), into `into` when given.
 */
export function resizeCrop(
  src: Uint8Array,
  w: number,
  h: number,
  width: number,
  height: number,
  crop: Crop,
  into?: Uint8Array,
): Uint8Array {
  const xs = bilinearTaps(crop.width, w, width, crop.left);
  return resampleRgb(src, w, xs, bilinearTaps(crop.height, h, height, crop.top), into);
}

/**
 * Bilinear taps for `out` positions from `offset` on a `to`-long axis sampled from a `from`-long
 * one: half-pixel centres, edges clamped, weights in 1/256.
 */
export function bilinearTaps(out: number, from: number, to: number, offset: number): Taps {
  const first = new Int32Array(out);
  const second = new Int32Array(out);
  const weight = new Int32Array(out); // of the second tap, in 1/256
  for (let i = 0; i < out; i++) {
    const at = Math.min(Math.max((i + offset + 0.5) * (from / to) - 0.5, 0), from - 1);
    const i0 = Math.floor(at);
    first[i] = i0;
    second[i] = Math.min(i0 + 1, from - 1);
    weight[i] = Math.round((at - i0) * 256);
  }
  return { first, second, weight };
}

/** Horizontal mirror of an RGB image (training augmentation). */
export function mirror(rgb: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(rgb.length);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const from = (y * size + x) * 3;
      const to = (y * size + (size - 1 - x)) * 3;
      out[to] = rgb[from]!;
      out[to + 1] = rgb[from + 1]!;
      out[to + 2] = rgb[from + 2]!;
    }
  return out;
}
