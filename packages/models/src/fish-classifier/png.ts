import * as zlib from "node:zlib";
import { deflateSync, inflateSync } from "node:zlib";
import { unfilterPng } from "./pixel-kernels.js";

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Samples per pixel by PNG colour type (0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export interface DecodedRgb {
  width: number;
  height: number;
  /** RGB, height x width x 3; alpha dropped, grey replicated, palette expanded. */
  data: Uint8Array;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

// zlib.crc32 is native from Node 20.15 / 22.2; the table loop is the fallback
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

function crc32(bytes: Uint8Array, from: number, to: number): number {
  if (nativeCrc32) return nativeCrc32(bytes.subarray(from, to)) >>> 0;
  let c = 0xffffffff;
  for (let i = from; i < to; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

class PngError extends Error {}

/**
 * Decodes the common PNG shape in-process: 8-bit grey, RGB, palette, grey+alpha or RGBA, not
 * interlaced, no embedded colour profile. Returns undefined for any other PNG (the caller decodes it
 * with libvips) and throws on a broken one: bad signature, chunk lengths past the end, CRC
 * mismatches, pixel counts over `maxPixels`, image data that inflates to more or less than the
 * header says (a zlib bomb stops at the expected size), unknown filters. Small images are the
 * point: handing a 100 x 100 PNG to libvips costs more than decoding it here.
 */
export function decodePngRgb(bytes: Uint8Array, maxPixels: number): DecodedRgb | undefined {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw new PngError("not a PNG");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0;
  let height = 0;
  let colourType = -1;
  let palette: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let offset = 8;
  let ended = false;
  while (offset < bytes.length && !ended) {
    if (offset + 12 > bytes.length) throw new PngError("truncated chunk header");
    const length = view.getUint32(offset);
    const type = String.fromCharCode(
      bytes[offset + 4]!,
      bytes[offset + 5]!,
      bytes[offset + 6]!,
      bytes[offset + 7]!,
    );
    const start = offset + 8;
    const end = start + length;
    if (length > 0x7fffffff || end + 4 > bytes.length) throw new PngError(`chunk ${type} runs past the end`);
    const critical = (bytes[offset + 4]! & 0x20) === 0;
    if (critical && crc32(bytes, offset + 4, end) !== view.getUint32(end))
      throw new PngError(`bad CRC in ${type}`);
    const data = bytes.subarray(start, end);
    if (offset === 8 && type !== "IHDR") throw new PngError("IHDR is not the first chunk");
    switch (type) {
      case "IHDR": {
        if (length !== 13) throw new PngError("bad IHDR length");
        width = view.getUint32(start);
        height = view.getUint32(start + 4);
        const [depth, colour, compression, filter, interlace] = data.subarray(8, 13);
        if (!width || !height) throw new PngError("zero width or height");
        if (width * height > maxPixels) throw new PngError(`the image is larger than ${maxPixels} pixels`);
        if (compression !== 0 || filter !== 0) throw new PngError("unknown compression or filter method");
        if (depth !== 8 || CHANNELS[colour!] === undefined || interlace !== 0) return undefined;
        colourType = colour!;
        break;
      }
      case "PLTE":
        if (length % 3 !== 0 || length === 0 || length > 768) throw new PngError("bad palette");
        palette = data;
        break;
      case "IDAT":
        idat.push(data);
        break;
      case "IEND":
        ended = true;
        break;
      case "iCCP":
      case "acTL":
        return undefined; // a colour profile or an animation: libvips' business
      default:
        if (critical) throw new PngError(`unknown critical chunk ${type}`);
    }
    offset = end + 4;
  }
  if (colourType < 0) throw new PngError("no IHDR");
  if (idat.length === 0) throw new PngError("no image data");
  if (colourType === 3 && !palette) throw new PngError("palette image without PLTE");

  const channels = CHANNELS[colourType]!;
  const stride = width * channels;
  const expected = height * (stride + 1);
  let raw: Buffer;
  try {
    raw = inflateSync(idat.length === 1 ? idat[0]! : Buffer.concat(idat), { maxOutputLength: expected });
  } catch (error) {
    throw new PngError(`image data does not inflate: ${(error as Error).message}`);
  }
  if (raw.length !== expected) throw new PngError(`image data is ${raw.length} bytes, expected ${expected}`);

  let rows: Uint8Array;
  try {
    rows = unfilterPng(raw, stride, height, channels);
  } catch (error) {
    throw new PngError((error as Error).message);
  }
  if (colourType === 2) return { width, height, data: rows };
  const out = new Uint8Array(width * height * 3);
  for (let p = 0, o = 0; p < width * height; p++, o += 3) {
    const at = p * channels;
    if (colourType === 6) {
      out[o] = rows[at]!;
      out[o + 1] = rows[at + 1]!;
      out[o + 2] = rows[at + 2]!;
    } else if (colourType === 3) {
      const index = rows[at]! * 3;
      if (index + 2 >= palette!.length) throw new PngError("palette index out of range");
      out[o] = palette![index]!;
      out[o + 1] = palette![index + 1]!;
      out[o + 2] = palette![index + 2]!;
    } else out[o] = out[o + 1] = out[o + 2] = rows[at]!;
  }
  return { width, height, data: out };
}

/** A minimal 8-bit RGB PNG encoder (golden requests and tests need images without a file). */
export function encodePng(width: number, height: number, rgb: Uint8Array): Buffer {
  const chunk = (type: string, data: Uint8Array) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body, 0, body.length), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc(height * (width * 3 + 1));
  for (let y = 0; y < height; y++)
    rows.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (width * 3 + 1) + 1);
  return Buffer.concat([
    Buffer.from(SIGNATURE),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", new Uint8Array()),
  ]);
}
