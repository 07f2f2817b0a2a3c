import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, join, relative, sep } from "node:path";
import { localDataPath, readDataUri, type ReadDataOptions } from "@lockstep/data";
import { ModelError } from "./errors.js";

/** The file beside shipped data that lists every file's sha256 (`sha256sum` format). */
export const MANIFEST_FILE = "MANIFEST.sha256";
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** A folder's list of files and their sha256, relative paths with `/`. */
export interface Manifest {
  path: string;
  files: Map<string, string>;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Parses `sha256sum` output: `<64 hex>  [./]<path>` per line; anything else is an error. */
export function parseManifest(text: string, path: string): Manifest {
  const files = new Map<string, string>();
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === "") continue;
    const m = /^([0-9a-f]{64}) [ *](?:\.\/)?(.+)$/.exec(line);
    if (!m || m[2]!.split("/").includes(".."))
      throw new ModelError("DATA_INVALID", `${path}:${i + 1} is not "<sha256>  <file>"`);
    files.set(m[2]!, m[1]!);
  }
  return { path, files };
}

/** The manifest in `dir`, or undefined when there is none. */
export async function readManifest(dir: string): Promise<Manifest | undefined> {
  const path = join(dir, MANIFEST_FILE);
  const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (!bytes) return undefined;
  if (bytes.length > MAX_MANIFEST_BYTES)
    throw new ModelError("DATA_INVALID", `${path} is larger than ${MAX_MANIFEST_BYTES} bytes`);
  return parseManifest(bytes.toString("utf8"), path);
}

const key = (root: string, file: string) => relative(root, file).split(sep).join("/");

/** Throws unless `bytes` are what the manifest lists for `file` (a file it does not list passes). */
export function checkShipped(manifest: Manifest, root: string, file: string, bytes: Uint8Array): void {
  const expected = manifest.files.get(key(root, file));
  if (expected === undefined) return;
  const actual = sha256(bytes);
  if (actual !== expected) {
    throw new ModelError(
      "DATA_CORRUPT",
      `${file} is corrupted: its sha256 is ${actual}, ${manifest.path} lists ${expected}. Restore it (git checkout -- ${file}).`,
    );
  }
}

/**
 * Checks a folder's file list against its manifest: every listed file present and nothing
 * unlisted among `files` (so a sample is trained on exactly what was shipped).
 */
export function checkListed(manifest: Manifest, root: string, files: string[]): void {
  const present = new Set(files.map((f) => key(root, f)));
  for (const [file, expected] of manifest.files) {
    if (!present.has(file) && !/^(labels\.(tsv|csv|json)|NOTICE\.md|README\.md)$/.test(file))
      throw new ModelError(
        "DATA_CORRUPT",
        `${join(root, file)} is missing (${manifest.path} lists it with sha256 ${expected}). Restore it (git checkout -- ${join(root, file)}).`,
      );
  }
  for (const file of present) {
    if (!manifest.files.has(file))
      throw new ModelError(
        "DATA_CORRUPT",
        `${join(root, file)} is not listed in ${manifest.path}: add its sha256 there or remove the file`,
      );
  }
}

/**
 * Reads a data URI (see readDataUri); a local file listed in a MANIFEST.sha256 beside it must be
 * there and match, or the error names the file and the sha256 it should have.
 */
export async function readShippedUri(uri: string, options: ReadDataOptions = {}): Promise<Buffer> {
  const path = localDataPath(uri, options.baseDir);
  const manifest = path ? await readManifest(dirname(path)) : undefined;
  const expected = path && manifest?.files.get(basename(path));
  if (!path || !manifest || !expected) return readDataUri(uri, options);
  if (!existsSync(path))
    throw new ModelError(
      "DATA_CORRUPT",
      `${path} is missing (${manifest.path} lists it with sha256 ${expected}). Restore it (git checkout -- ${path}).`,
    );
  const bytes = await readDataUri(uri, options);
  checkShipped(manifest, dirname(path), path, bytes);
  return bytes;
}
