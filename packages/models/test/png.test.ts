import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { deflateSync } from "node:zlib";
import sharp, { type PngOptions } from "sharp";
import { describe, expect, it } from "vitest";
import { fish } from "../src/index.js";

const { decodePngRgb, encodePng, prepareImage } = fish;
const MAX = 40_000_000;
const FISH = resolve(import.meta.dirname, "../../../../shared/data/fish4knowledge");

/** Noise over a gradient: every row filter gets used by an adaptive encoder. */
function picture(w: number, h: number, seed = 1): Uint8Array {
  const rgb = new Uint8Array(w * h * 3);
  let s = seed;
  for (let i = 0; i < rgb.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    rgb[i] = ((i % (w * 3)) * 2 + (s >>> 28)) & 0xff;
  }
  return rgb;
}

async function libvips(png: Uint8Array): Promise<Uint8Array> {
  const { data } = await sharp(png)
    .removeAlpha()
    .toColourspace("srgb")
    .raw()
    .toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}

const crc = (bytes: Buffer) => {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
};
function chunk(type: string, data: Uint8Array = new Uint8Array()): Buffer {
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc(body), 8 + data.length);
  return out;
}
function ihdr(w: number, h: number, depth = 8, colour = 2, interlace = 0): Buffer {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(w, 0);
  data.writeUInt32BE(h, 4);
  data.set([depth, colour, 0, 0, interlace], 8);
  return chunk("IHDR", data);
}
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const png = (...chunks: Buffer[]) => Buffer.concat([SIGNATURE, ...chunks]);

describe("decodePngRgb", () => {
  const rgb = encodePng(37, 23, picture(37, 23));
  const variants: [string, () => Promise<Buffer>][] = [
    ["RGB (Lockstep's encoder)", async () => rgb],
    [
      "RGB, adaptive filters",
      () => sharp(rgb).png({ adaptiveFiltering: true, compressionLevel: 9 }).toBuffer(),
    ],
    ["RGBA", () => sharp(rgb).ensureAlpha(0.5).png({ adaptiveFiltering: true }).toBuffer()],
    ["grey", () => sharp(rgb).toColourspace("b-w").png({ adaptiveFiltering: true }).toBuffer()],
    ["grey + alpha", () => sharp(rgb).toColourspace("b-w").ensureAlpha(0.3).png().toBuffer()],
    ["palette", () => sharp(rgb).png({ palette: true, colours: 200 }).toBuffer()],
    ["palette + transparency", () => sharp(rgb).ensureAlpha(0.5).png({ palette: true }).toBuffer()],
  ];
  it.each(variants)("decodes %s exactly as libvips does", async (_, make) => {
    const bytes = await make();
    const decoded = decodePngRgb(bytes, MAX);
    expect(decoded, "decoded in-process").toBeDefined();
    expect(decoded!.width).toBe(37);
    expect(decoded!.height).toBe(23);
    expect(Buffer.from(decoded!.data).equals(Buffer.from(await libvips(bytes)))).toBe(true);
  });

  it("leaves 16-bit, low bit depths, interlaced and colour-managed PNGs to libvips", async () => {
    const others = [
      await sharp(rgb).toColourspace("rgb16").png().toBuffer(),
      await sharp(rgb)
        .png({ palette: true, colours: 4, bitdepth: 2 } as PngOptions)
        .toBuffer(),
      await sharp(rgb).png({ progressive: true }).toBuffer(),
      await sharp(rgb).withIccProfile("p3").png().toBuffer(),
    ];
    for (const bytes of others) expect(decodePngRgb(bytes, MAX)).toBeUndefined();
    // and prepareImage still reads them
    for (const bytes of others)
      expect(await prepareImage(bytes, { size: 16, resize: 24 })).toHaveLength(16 * 16 * 3);
  });

  it("refuses broken and hostile PNGs with a reason", () => {
    const rows = (w: number, h: number, filter = 0) => {
      const raw = Buffer.alloc(h * (w * 3 + 1));
      for (let y = 0; y < h; y++) raw[y * (w * 3 + 1)] = filter;
      return deflateSync(raw);
    };
    const good = png(ihdr(4, 4), chunk("IDAT", rows(4, 4)), chunk("IEND"));
    expect(decodePngRgb(good, MAX)!.data).toHaveLength(48);
    const corrupt = Buffer.from(good);
    corrupt[good.length - 20] ^= 0xff; // inside IDAT: its CRC no longer holds
    const cases: [string, Uint8Array, RegExp][] = [
      ["not a PNG", Buffer.from("GIF89a...."), /not a PNG/],
      ["truncated", good.subarray(0, 30), /runs past the end|truncated/],
      ["bad CRC", corrupt, /bad CRC in IDAT/],
      ["IHDR not first", png(chunk("IDAT", rows(4, 4)), ihdr(4, 4), chunk("IEND")), /IHDR is not the first/],
      ["zero size", png(ihdr(0, 4), chunk("IEND")), /zero width or height/],
      ["too many pixels", png(ihdr(100_000, 100_000), chunk("IEND")), /larger than 40000000 pixels/],
      [
        "zlib bomb",
        png(ihdr(4, 4), chunk("IDAT", deflateSync(Buffer.alloc(50_000_000))), chunk("IEND")),
        /does not inflate|expected/,
      ],
      ["short data", png(ihdr(4, 4), chunk("IDAT", rows(4, 3)), chunk("IEND")), /expected 52/],
      [
        "unknown filter",
        png(ihdr(4, 4), chunk("IDAT", rows(4, 4, 7)), chunk("IEND")),
        /unknown row filter 7/,
      ],
      ["no image data", png(ihdr(4, 4), chunk("IEND")), /no image data/],
      [
        "palette without PLTE",
        png(ihdr(4, 4, 8, 3), chunk("IDAT", rows(4, 4)), chunk("IEND")),
        /without PLTE/,
      ],
      [
        "palette index out of range",
        png(
          ihdr(1, 1, 8, 3),
          chunk("PLTE", Buffer.from([1, 2, 3])),
          chunk("IDAT", deflateSync(Buffer.from([0, 9]))),
          chunk("IEND"),
        ),
        /palette index out of range/,
      ],
      [
        "unknown critical chunk",
        png(ihdr(4, 4), chunk("ABCD"), chunk("IEND")),
        /unknown critical chunk ABCD/,
      ],
      [
        "huge chunk length",
        png(ihdr(4, 4), Buffer.from([0xff, 0xff, 0xff, 0xf0, 73, 68, 65, 84, 0, 0, 0, 0])),
        /past the end/,
      ],
    ];
    for (const [name, bytes, message] of cases) expect(() => decodePngRgb(bytes, MAX), name).toThrow(message);
  });

  it("gives prepareImage a clear error for a broken PNG", async () => {
    const bytes = png(ihdr(4, 4), chunk("IDAT", Buffer.from("not zlib")), chunk("IEND"));
    await expect(prepareImage(bytes, { size: 4, resize: 4 })).rejects.toThrow(
      /not a readable image: image data does not inflate/,
    );
  });

  it.skipIf(!existsSync(FISH))("decodes the Fish4Knowledge photos exactly as libvips does", async () => {
    const files: string[] = [];
    for (const dir of await readdir(FISH, { withFileTypes: true }))
      if (dir.isDirectory())
        for (const file of (await readdir(join(FISH, dir.name))).slice(0, 10))
          files.push(join(FISH, dir.name, file));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files.filter((f) => f.endsWith(".png"))) {
      const bytes = await readFile(file);
      const decoded = decodePngRgb(bytes, MAX);
      expect(decoded, file).toBeDefined();
      expect(Buffer.from(decoded!.data).equals(Buffer.from(await libvips(bytes))), file).toBe(true);
    }
  });
});
