import { createHash } from "node:crypto";
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import type { ArtifactStore } from "@lockstep/store";
import { datasetCacheDir, syncS3Prefix } from "./data-dir.js";
import { DataTooLargeError, localDataPath, readDataUri } from "./data-uri.js";
import { MAX_SNAPSHOT_FILES, byPath, serializeManifest, sha256Of, snapshotKey } from "./snapshot-manifest.js";

/** What a snapshot needs of a store: named objects under `data/`. */
export type SnapshotStore = Pick<ArtifactStore, "uri" | "putNamed" | "getNamed" | "listNamed">;

/** The default cap: data larger than this is not snapshotted (recorded as skipped, not an error). */
export const DEFAULT_SNAPSHOT_CAP = 256 * 1024 * 1024;

export interface SnapshotOptions {
  /** Data larger than this in all is skipped with the reason (default DEFAULT_SNAPSHOT_CAP). */
  capBytes?: number;
  /** Directory relative data paths resolve against. */
  baseDir?: string;
  env?: NodeJS.ProcessEnv;
  log?: (message: string) => void;
}

/** A snapshot taken: the key's hash (a file's, or a folder manifest's), where it is, its size, what was new. */
export interface TakenSnapshot {
  sha256: string;
  uri: string;
  /** Bytes of the data (a folder: all its files; the manifest not counted). */
  bytes: number;
  /** Files of a folder snapshot; absent for a single file. */
  files?: number;
  /** Objects and bytes this call wrote (the rest were in the store already). */
  stored: { objects: number; bytes: number };
  seconds: number;
}

export type DataSnapshot = TakenSnapshot | { skipped: string };

interface SourceFile {
  /** Relative "/"-separated path inside a folder; absent for a single file. */
  path?: string;
  size: number;
  read(): Promise<Buffer>;
}

type Source = { files: SourceFile[]; folder: boolean } | { skipped: string };

const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
const overCap = (uri: string, bytes: number, cap: number) =>
  `${uri} is ${bytes} bytes (${mib(bytes)}), over the snapshot cap of ${cap} bytes (${mib(cap)})`;

/** Every regular file under a folder, sorted by path (symbolic links and special files are not data). */
async function walk(root: string, cap: number, uri: string): Promise<Source> {
  const files: SourceFile[] = [];
  let total = 0;
  const visit = async (dir: string, prefix: string): Promise<string | undefined> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        const skipped = await visit(path, relative);
        if (skipped) return skipped;
      } else if (entry.isFile()) {
        const size = (await stat(path)).size;
        total += size;
        if (total > cap) return overCap(uri, total, cap);
        if (files.length >= MAX_SNAPSHOT_FILES) return `${uri} has more than ${MAX_SNAPSHOT_FILES} files`;
        files.push({ path: relative, size, read: () => readFile(path) });
      }
    }
    return undefined;
  };
  const skipped = await visit(await realpath(root), "");
  if (skipped) return { skipped };
  return { files: files.sort((a, b) => byPath({ path: a.path! }, { path: b.path! })), folder: true };
}

/** Whether a data URI names files a snapshot can copy (local paths, npm:, https://, s3://), not an API. */
export function isFileSource(uri: string): boolean {
  return /^(https?|s3):\/\//i.test(uri) || localDataPath(uri) !== undefined;
}

/** The files a data URI names: a local file or folder (file://, npm:, a path), https://, s3:// (an object, or a prefix of objects). */
async function openSource(uri: string, options: SnapshotOptions, cap: number): Promise<Source> {
  const baseDir = options.baseDir ?? process.cwd();
  const env = options.env ?? process.env;
  const whole = async (): Promise<Source> => {
    try {
      const bytes = await readDataUri(uri, { baseDir, env, maxBytes: cap });
      return { files: [{ size: bytes.length, read: async () => bytes }], folder: false };
    } catch (error) {
      if (error instanceof DataTooLargeError) return { skipped: overCap(uri, error.seen, cap) };
      throw error;
    }
  };
  if (/^https?:\/\//i.test(uri)) return whole();
  if (uri.startsWith("s3://")) {
    try {
      return await whole();
    } catch (error) {
      if ((error as { code?: string }).code !== "STORE_NOT_FOUND") throw error;
      // not one object: a prefix, mirrored where the image-folder reader mirrors it (already there after loading)
      const dir = datasetCacheDir(baseDir, createHash("sha256").update(uri).digest("hex").slice(0, 16));
      await syncS3Prefix(uri, dir, { env, log: options.log });
      return walk(dir, cap, uri);
    }
  }
  const path = localDataPath(uri, baseDir);
  if (path === undefined)
    return {
      skipped: `${uri.split(":")[0]}: sources are not files, and the model gives no snapshot of what it read from them`,
    };
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) return walk(path, cap, uri);
  if (info?.isFile() && info.size > cap) return { skipped: overCap(uri, info.size, cap) };
  return whole();
}

/** The hash of each file, and of the whole: a file's own, or its folder manifest's. */
async function digest(
  source: { files: SourceFile[]; folder: boolean },
  each: (sha256: string, bytes: Buffer) => Promise<void>,
): Promise<{ sha256: string; bytes: number; manifest?: string }> {
  const listed: { path: string; sha256: string; bytes: number }[] = [];
  let total = 0;
  for (const file of source.files) {
    const bytes = await file.read();
    const sha256 = sha256Of(bytes);
    total += bytes.length;
    await each(sha256, bytes);
    if (!source.folder) return { sha256, bytes: total };
    listed.push({ path: file.path!, sha256, bytes: bytes.length });
  }
  const manifest = serializeManifest(listed);
  return { sha256: sha256Of(manifest), bytes: total, manifest };
}

/**
 * The hash a snapshot of this data would have, storing nothing: whether a source still holds the
 * bytes a pin's snapshot names. No cap (the caller reads the data anyway).
 */
export async function dataSourceSha256(
  uri: string,
  options: Omit<SnapshotOptions, "capBytes"> = {},
): Promise<{ sha256: string; bytes: number; files?: number }> {
  const source = await openSource(uri, options, Number.MAX_SAFE_INTEGER);
  if ("skipped" in source) throw new Error(source.skipped);
  const { sha256, bytes } = await digest(source, async () => {});
  return { sha256, bytes, ...(source.folder ? { files: source.files.length } : {}) };
}

/**
 * Stores the data a URI names under `data/sha256/<hex>`: a file by its content; a folder as a
 * manifest of its files' hashes (stable JSON, sorted paths) plus each file by content. A file the
 * store already holds is not uploaded again. Data over the cap is `{ skipped }`, never an error.
 */
export async function snapshotData(
  store: SnapshotStore,
  uri: string,
  options: SnapshotOptions = {},
): Promise<DataSnapshot> {
  const started = performance.now();
  const cap = options.capBytes ?? DEFAULT_SNAPSHOT_CAP;
  const source = await openSource(uri, options, cap);
  if ("skipped" in source) return source;
  // one listing of what is there beats a request per file: the store may hold many snapshots' files
  const present = new Set<string>();
  for await (const { key } of store.listNamed("data/sha256/")) present.add(key);
  const stored = { objects: 0, bytes: 0 };
  const put = async (sha256: string, bytes: Uint8Array | string, type: string) => {
    const key = snapshotKey(sha256);
    if (present.has(key)) return;
    await store.putNamed(key, bytes, type);
    present.add(key);
    stored.objects += 1;
    stored.bytes += typeof bytes === "string" ? Buffer.byteLength(bytes) : bytes.length;
  };
  const { sha256, bytes, manifest } = await digest(source, (hash, data) =>
    put(hash, data, "application/octet-stream"),
  );
  if (manifest !== undefined) await put(sha256, manifest, "application/json");
  const seconds = (performance.now() - started) / 1000;
  options.log?.(
    `data snapshot sha256:${sha256.slice(0, 12)}: ${bytes} bytes${source.folder ? ` in ${source.files.length} files` : ""}, ${stored.objects} new object(s) (${stored.bytes} bytes) in ${seconds.toFixed(2)} s`,
  );
  return {
    sha256,
    uri: `${store.uri}/${snapshotKey(sha256)}`,
    bytes,
    ...(source.folder ? { files: source.files.length } : {}),
    stored,
    seconds,
  };
}

/**
 * Stores data a model serialised itself (what it read from an API, in a form its loader reads back
 * the same) as a file snapshot; over the cap it is `{ skipped }`.
 */
export async function snapshotBytes(
  store: SnapshotStore,
  bytes: Uint8Array,
  uri: string,
  options: Pick<SnapshotOptions, "capBytes" | "log"> = {},
): Promise<DataSnapshot> {
  const started = performance.now();
  const cap = options.capBytes ?? DEFAULT_SNAPSHOT_CAP;
  if (bytes.length > cap) return { skipped: overCap(uri, bytes.length, cap) };
  const sha256 = sha256Of(bytes);
  const key = snapshotKey(sha256);
  let present = false;
  for await (const found of store.listNamed(key)) present ||= found.key === key;
  if (!present) await store.putNamed(key, bytes, "application/octet-stream");
  const seconds = (performance.now() - started) / 1000;
  options.log?.(`data snapshot sha256:${sha256.slice(0, 12)}: ${bytes.length} bytes of what ${uri} gave`);
  return {
    sha256,
    uri: `${store.uri}/${key}`,
    bytes: bytes.length,
    stored: present ? { objects: 0, bytes: 0 } : { objects: 1, bytes: bytes.length },
    seconds,
  };
}
