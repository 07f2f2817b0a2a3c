import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { datasetCacheDir, localDataPath, syncS3Prefix } from "@lockstep/data";
import { basename, join } from "node:path";
import { ModelError } from "../errors.js";
import { checkListed, checkShipped, readManifest, type Manifest } from "../shipped-files.js";
import { MAX_IMAGE_BYTES } from "./images.js";

export const IMAGE_EXTENSIONS = /\.(jpe?g|png|webp)$/i;
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

/** An image folder at a URI: file://, npm: or a path as it is; s3:// mirrored into the dataset cache first. */
export async function loadImageFolder(
  uri: string,
  context: { baseDir?: string; env?: NodeJS.ProcessEnv; log: (message: string) => void; dataPath?: string },
): Promise<ImageFolder> {
  // a snapshot's copy is read in place of the source, under the source's name
  if (context.dataPath) return listImageFolder(context.dataPath, uri);
  const baseDir = context.baseDir ?? process.cwd();
  if (uri.startsWith("s3://")) {
    const dir = datasetCacheDir(baseDir, createHash("sha256").update(uri).digest("hex").slice(0, 16));
    context.log(`fish-classifier: mirroring ${uri} into ${dir}`);
    await syncS3Prefix(uri, dir, { env: context.env, log: context.log });
    return listImageFolder(dir, uri);
  }
  const path = localDataPath(uri, baseDir);
  if (path === undefined) {
    throw new ModelError(
      "DATA_INVALID",
      `fish-classifier reads an image folder from file://, npm: or s3://, not ${uri}`,
    );
  }
  return listImageFolder(path, uri);
}
