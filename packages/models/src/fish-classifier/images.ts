import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import sharp from "sharp";
import { ModelError } from "../errors.js";
import { checkListed, checkShipped, readManifest, type Manifest } from "../shipped-files.js";
import { resampleRgb, type Taps } from "./pixel-kernels.js";
import { decodePngRgb } from "./png.js";

export const IMAGE_EXTENSIONS = /\.(jpe?g|png|webp)$/i;
/** Larger images are refused before decoding (decompression bombs). */
export const MAX_PIXELS = 40_000_000;
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
const SPLIT_FOLDERS = new Set(["train", "val", "valid", "validation", "test"]);

export interface ImageItem {
  /** Where the bytes come from (a file path or an object key). */
  path: string;
  file: string;
  label: number;
  /** Folder of origin when the data has train/ val/ test/ split folders. */
  split?: string;
}

export interface ClassInfo {
  /** The folder name (the class id used on disk). */
  id: string;
  /** A readable name from labels.tsv / labels.json, else the folder name. */
  name: string;
  /** A second name (e.g. a common name) when the label map gives one. */
  alias?: string;
}

export interface ImageFolder {
  source: string;
  root: string;
  classes: ClassInfo[];
  items: ImageItem[];
  /** Bytes of each item, read lazily (local files) or prefetched (object stores). */
  read(item: ImageItem): Promise<Buffer>;
}

const fail = (message: string): never => {
  throw new ModelError("DATA_INVALID", message);
};

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/**
 * A label map beside the class folders: labels.tsv or labels.csv (header; first column the
 * folder, second its name, an optional third a common name) or labels.json ({"folder": "name"} or
 * {"folder": {"name": "...", "alias": "..."}}).
 */
export function parseLabelMap(
  text: string,
  kind: "tsv" | "csv" | "json",
): Map<string, { name: string; alias?: string }> {
  const map = new Map<string, { name: string; alias?: string }>();
  if (kind === "json") {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (error) {
      return fail(`labels.json is not valid JSON: ${(error as Error).message}`);
    }
    if (!doc || typeof doc !== "object" || Array.isArray(doc))
      return fail("labels.json must be an object of folder -> name");
    for (const [folder, value] of Object.entries(doc)) {
      if (typeof value === "string") map.set(folder, { name: value });
      else if (value && typeof value === "object" && typeof (value as { name?: unknown }).name === "string") {
        const v = value as { name: string; alias?: unknown };
        map.set(folder, { name: v.name, ...(typeof v.alias === "string" ? { alias: v.alias } : {}) });
      } else fail(`labels.json: the entry for "${folder}" must be a name or {"name", "alias"}`);
    }
    return map;
  }
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const sep = kind === "tsv" ? "\t" : ",";
  for (const line of lines.slice(1)) {
    const [folder, name, alias] = line.split(sep).map((c) => c.trim());
    if (folder && name) map.set(folder, { name, ...(alias && !/^\d+$/.test(alias) ? { alias } : {}) });
  }
  return map;
}

async function readLabelMap(root: string, manifest?: Manifest) {
  for (const kind of ["tsv", "csv", "json"] as const) {
    const path = join(root, `labels.${kind}`);
    const bytes = await readFile(path).catch(() => undefined);
    if (bytes === undefined) continue;
    if (manifest) checkShipped(manifest, root, path, bytes);
    return parseLabelMap(bytes.toString("utf8"), kind);
  }
  return new Map<string, { name: string; alias?: string }>();
}

/**
 * Lists an ImageFolder directory: `<class>/<image>`, or `train|val|test/<class>/<image>` (the
 * splits are merged; cross-validation makes its own). Classes are sorted by folder name.
 */
export async function listImageFolder(
  root: string,
  source = root,
  maxImages = 200_000,
): Promise<ImageFolder> {
  if (!(await isDir(root))) return fail(`image folder ${root} does not exist or is not a directory`);
  const top = (await readdir(root, { withFileTypes: true })).filter(
    (e) => e.isDirectory() && !e.name.startsWith("."),
  );
  const splits = top.filter((e) => SPLIT_FOLDERS.has(e.name.toLowerCase()));
  const bases =
    splits.length > 0
      ? splits.map((s) => ({ dir: join(root, s.name), split: s.name }))
      : [{ dir: root, split: undefined }];
  const files: { path: string; cls: string; split?: string }[] = [];
  for (const base of bases) {
    for (const entry of await readdir(base.dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
      for (const file of (await readdir(join(base.dir, entry.name))).sort()) {
        if (!IMAGE_EXTENSIONS.test(file)) continue;
        files.push({ path: join(base.dir, entry.name, file), cls: entry.name, split: base.split });
        if (files.length > maxImages) fail(`more than ${maxImages} images under ${root}`);
      }
    }
  }
  const ids = [...new Set(files.map((f) => f.cls))].sort();
  if (ids.length < 2)
    fail(
      `image folder ${root} needs at least two class folders with .jpg/.png/.webp images, found ${ids.length}`,
    );
  // shipped data lists its files' sha256: train on exactly those or say which file is wrong
  const manifest = await readManifest(root);
  if (manifest)
    checkListed(
      manifest,
      root,
      files.map((f) => f.path),
    );
  const labels = await readLabelMap(root, manifest);
  const classes = ids.map((id) => ({
    id,
    name: labels.get(id)?.name ?? id,
    ...(labels.get(id)?.alias ? { alias: labels.get(id)!.alias } : {}),
  }));
  const index = new Map(ids.map((id, i) => [id, i]));
  const items = files
    .map((f) => ({
      path: f.path,
      file: basename(f.path),
      label: index.get(f.cls)!,
      ...(f.split ? { split: f.split } : {}),
    }))
    .sort((a, b) => a.label - b.label || a.path.localeCompare(b.path));
  return {
    source,
    root,
    classes,
    items,
    read: async (item) => {
      // refuse an oversized file before reading it into memory
      if ((await stat(item.path)).size > MAX_IMAGE_BYTES)
        fail(`${item.path} is larger than ${MAX_IMAGE_BYTES} bytes`);
      const bytes = await readFile(item.path);
      if (manifest) checkShipped(manifest, root, item.path, bytes);
      return bytes;
    },
  };
}

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
