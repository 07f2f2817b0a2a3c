import { createHash } from "node:crypto";
import { SnapshotError } from "./snapshot-errors.js";

/** A folder's snapshot: every file by its path (sorted, "/"-separated) and the sha256 of its bytes. */
export interface SnapshotManifest {
  lockstepDataSnapshot: 1;
  files: { path: string; sha256: string; bytes: number }[];
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;
/** More files than this in one folder snapshot is refused (a hostile manifest cannot make a reader loop for ever). */
export const MAX_SNAPSHOT_FILES = 200_000;
const MAX_PATH = 1024;
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

export const sha256Of = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

/** The key a snapshot's object has in the store. */
export const snapshotKey = (sha256: string) => `data/sha256/${sha256}`;

/** How a pin names a snapshot (`evaluation.dataSnapshot`): `sha256:<hex>`. */
export const snapshotRef = (sha256: string) => `sha256:${sha256}`;

/** The hash a `sha256:<hex>` reference names; a SnapshotError for anything else. */
export function parseSnapshotRef(ref: string): string {
  const match = /^sha256:([0-9a-f]{64})$/.exec(ref);
  if (!match)
    throw new SnapshotError(
      "SNAPSHOT_INVALID",
      `not a data snapshot reference (expected sha256:<64 hex>): ${JSON.stringify(String(ref).slice(0, 100))}`,
    );
  return match[1]!;
}

/**
 * Why a manifest path may not be written under a folder, or undefined when it may: relative,
 * "/"-separated, no empty, "." or ".." segments, no backslash, drive letter or control character.
 */
export function unsafePathReason(path: string): string | undefined {
  if (typeof path !== "string" || path === "") return "an empty path";
  if (path.length > MAX_PATH) return `a path longer than ${MAX_PATH} characters`;
  // eslint-disable-next-line no-control-regex -- rejecting control characters (NUL first) is the point
  if (/[\u0000-\u001f\u007f]/.test(path)) return "a control character (NUL included)";
  if (path.includes("\\")) return "a backslash";
  if (path.startsWith("/") || /^[a-z]:/i.test(path)) return "an absolute path";
  if (path.split("/").some((s) => s === "" || s === "." || s === "..")) return "an empty, . or .. segment";
  return undefined;
}

/** Byte order, as the manifest sorts its paths (not the locale's order). */
export const byPath = (a: { path: string }, b: { path: string }) =>
  a.path < b.path ? -1 : a.path > b.path ? 1 : 0;

/** The manifest's one textual form: fixed key order, paths sorted, no spaces, a trailing newline. */
export function serializeManifest(files: SnapshotManifest["files"]): string {
  const sorted = [...files].sort(byPath);
  const manifest: SnapshotManifest = {
    lockstepDataSnapshot: 1,
    files: sorted.map((f) => ({ path: f.path, sha256: f.sha256, bytes: f.bytes })),
  };
  return `${JSON.stringify(manifest)}\n`;
}

/**
 * Whether stored bytes are a folder manifest (a file snapshot is the file itself). A data file
 * that merely looks like one is impossible to tell apart, so a manifest must also re-serialise
 * to exactly its own bytes.
 */
export function looksLikeManifest(bytes: Buffer): boolean {
  return (
    bytes.length < MAX_MANIFEST_BYTES &&
    bytes.subarray(0, 25).toString("latin1") === '{"lockstepDataSnapshot":1'
  );
}

/** Parses and checks a manifest: every path safe and unique, every hash and size well-formed. */
export function parseManifest(bytes: Buffer, where: string): SnapshotManifest {
  const invalid = (why: string) =>
    new SnapshotError("SNAPSHOT_INVALID", `the data snapshot manifest ${where} is refused: ${why}`);
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString("utf8"));
  } catch (error) {
    throw invalid(`not JSON (${(error as Error).message})`);
  }
  const files = (doc as { files?: unknown }).files;
  if (!Array.isArray(files)) throw invalid(`no "files" list`);
  if (files.length === 0) throw invalid("no files");
  if (files.length > MAX_SNAPSHOT_FILES) throw invalid(`more than ${MAX_SNAPSHOT_FILES} files`);
  const seen = new Set<string>();
  for (const [i, file] of files.entries()) {
    const { path, sha256, bytes: size } = (file ?? {}) as Record<string, unknown>;
    const reason = unsafePathReason(path as string);
    if (reason) throw invalid(`entry ${i} ${JSON.stringify(String(path).slice(0, 100))} has ${reason}`);
    if (typeof sha256 !== "string" || !SHA256_HEX.test(sha256)) throw invalid(`entry ${i} has no sha256`);
    if (!Number.isSafeInteger(size) || (size as number) < 0) throw invalid(`entry ${i} has no size`);
    const folded = (path as string).toLowerCase(); // one file per name on case-insensitive disks too
    if (seen.has(folded)) throw invalid(`${JSON.stringify(path)} is listed twice`);
    seen.add(folded);
  }
  const manifest = doc as SnapshotManifest;
  if (serializeManifest(manifest.files) !== bytes.toString("utf8"))
    throw invalid("not in the manifest's one textual form (sorted paths, fixed keys)");
  // a file and a folder of one name cannot both be written
  for (const { path } of manifest.files) {
    const parts = path.split("/");
    for (let n = 1; n < parts.length; n++)
      if (seen.has(parts.slice(0, n).join("/").toLowerCase()))
        throw invalid(`${JSON.stringify(path)} is under a listed file`);
  }
  return manifest;
}
