import { mkdir, mkdtemp, readdir, realpath, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve, sep } from "node:path";
import { IntegrityError, StoreError } from "@lockstep/store";
import { SnapshotError } from "./snapshot-errors.js";
import {
  looksLikeManifest,
  parseManifest,
  parseSnapshotRef,
  sha256Of,
  snapshotKey,
  unsafePathReason,
} from "./snapshot-manifest.js";
import { dataSourceSha256, isFileSource, type SnapshotStore, type TakenSnapshot } from "./snapshot.js";

export interface ReadSnapshotOptions {
  /** The file name a single-file snapshot gets in the folder (default "data"). */
  name?: string;
  /** The largest object read (default 4 GiB, the store's own default). */
  maxBytes?: number;
}

export interface ReadSnapshot {
  /** A single file's path, or the folder the files were written under. */
  path: string;
  kind: "file" | "folder";
  files: number;
  bytes: number;
}

/** An object of the snapshot, verified against its key: other bytes are an IntegrityError, never used. */
async function getVerified(
  store: SnapshotStore,
  sha256: string,
  maxBytes?: number,
): Promise<Buffer | undefined> {
  const key = snapshotKey(sha256);
  const bytes = await store.getNamed(key, maxBytes === undefined ? {} : { maxBytes });
  if (bytes === undefined) return undefined;
  const actual = sha256Of(bytes);
  if (actual !== sha256) throw new IntegrityError(`${store.uri}/${key}`, sha256, actual);
  return bytes;
}

/** Writes a file under `root` by temp file + rename: a link already at the path is replaced, never followed. */
async function writeInside(root: string, relative: string, bytes: Uint8Array): Promise<string> {
  const target = resolve(root, relative);
  if (!target.startsWith(root + sep))
    throw new SnapshotError("SNAPSHOT_INVALID", `${relative} leaves ${root}`);
  await mkdir(dirname(target), { recursive: true });
  // a folder on the way that is a link out of the target is refused (a --force into an old folder)
  const parent = await realpath(dirname(target));
  if (parent !== root && !parent.startsWith(root + sep))
    throw new SnapshotError("SNAPSHOT_TARGET", `${relative}: a folder on its path leads outside ${root}`);
  const temp = join(parent, `.${process.pid}.${Math.random().toString(36).slice(2)}.part`);
  await writeFile(temp, bytes, { flag: "wx" });
  await rename(temp, join(parent, basename(target)));
  return target;
}

/**
 * Writes a snapshot's data into `dir` (created if needed): a file as `dir/<name>`, a folder's
 * files at their manifest paths. Every object is checked against its key (IntegrityError);
 * a manifest with an unsafe path is refused before anything is written.
 */
export async function readSnapshot(
  store: SnapshotStore,
  ref: string,
  dir: string,
  options: ReadSnapshotOptions = {},
): Promise<ReadSnapshot> {
  const sha256 = parseSnapshotRef(ref);
  const top = await getVerified(store, sha256, options.maxBytes);
  if (top === undefined)
    throw new StoreError("STORE_NOT_FOUND", `data snapshot ${ref} is not in ${store.uri}`);
  await mkdir(dir, { recursive: true });
  const root = await realpath(dir);
  if (!looksLikeManifest(top)) {
    const name = options.name ?? "data";
    const reason = unsafePathReason(name);
    if (reason || name.includes("/"))
      throw new SnapshotError("SNAPSHOT_INVALID", `file name ${name}: ${reason}`);
    const path = await writeInside(root, name, top);
    return { path, kind: "file", files: 1, bytes: top.length };
  }
  const manifest = parseManifest(top, `${store.uri}/${snapshotKey(sha256)}`);
  let bytes = 0;
  for (const file of manifest.files) {
    const data = await getVerified(store, file.sha256, options.maxBytes);
    if (data === undefined)
      throw new StoreError(
        "STORE_NOT_FOUND",
        `data snapshot ${ref} lists ${file.path} (sha256 ${file.sha256}), which is not in ${store.uri}`,
      );
    if (data.length !== file.bytes)
      throw new SnapshotError(
        "SNAPSHOT_INVALID",
        `data snapshot ${ref} gives ${file.path} ${file.bytes} bytes; its object has ${data.length}`,
      );
    await writeInside(root, file.path, data);
    bytes += data.length;
  }
  return { path: root, kind: "folder", files: manifest.files.length, bytes };
}

/**
 * `lockstep data pull`: a snapshot into a folder the user names. A folder with anything in it is
 * refused unless `force` (its files are then replaced, never written through).
 */
export async function pullSnapshot(
  store: SnapshotStore,
  ref: string,
  dir: string,
  options: ReadSnapshotOptions & { force?: boolean } = {},
): Promise<ReadSnapshot> {
  parseSnapshotRef(ref);
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw new SnapshotError("SNAPSHOT_TARGET", `cannot use ${dir}: ${error.message}`);
  });
  if (entries.length > 0 && !options.force)
    throw new SnapshotError(
      "SNAPSHOT_TARGET",
      `${dir} is not empty (${entries.length} entries); choose an empty folder or pass --force`,
    );
  return readSnapshot(store, ref, dir, options);
}

/** Where training reads its data: the source as it is, or a snapshot's copy (and why). */
export interface ResolvedData {
  /** A local copy to read instead of the URI's own location (the URI still names the data). */
  dataPath?: string;
  /** Why the snapshot is read, for the output; absent when the source is read. */
  note?: string;
  /** The snapshot read, when it was. */
  snapshot?: TakenSnapshot;
  /** Removes the local copy (after training). */
  dispose(): Promise<void>;
}

/** A file name for a URI's last path segment, or "data". */
export function fileNameOf(uri: string): string {
  const last =
    uri
      .replace(/[?#].*$/, "")
      .split(/[/:]/)
      .filter(Boolean)
      .at(-1) ?? "";
  return last && !unsafePathReason(last) && last.length <= 128 ? last : "data";
}

/**
 * The data a pin names, when the pin also names its snapshot: the source while its bytes still
 * hash to the snapshot; else (changed or gone) the snapshot, copied to a temp folder, with a note
 * that says so. A changed source whose snapshot is not in the store is SNAPSHOT_MISSING (both hashes named).
 */
export async function resolvePinnedData(
  store: SnapshotStore,
  uri: string,
  ref: string,
  options: { baseDir?: string; env?: NodeJS.ProcessEnv; readSource?: boolean } = {},
): Promise<ResolvedData> {
  const sha256 = parseSnapshotRef(ref);
  let current: string | undefined;
  let gone: string | undefined;
  if (options.readSource === false) gone = "not read: a local path a pull request's pin names";
  // an API's answer is not a file to hash: the snapshot of what training read from it is the data
  else if (!isFileSource(uri)) gone = "not a file but an API";
  else
    try {
      current = (await dataSourceSha256(uri, options)).sha256;
    } catch (error) {
      gone = (error as Error).message;
    }
  if (current === sha256) return { dispose: async () => {} };
  const state = gone ? `cannot be read (${gone})` : `has changed (its bytes hash to sha256:${current})`;
  const dir = await mkdtemp(join(tmpdir(), "lockstep-snapshot-"));
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    const started = performance.now();
    const read = await readSnapshot(store, ref, dir, { name: fileNameOf(uri) });
    return {
      dataPath: read.path,
      snapshot: {
        sha256,
        uri: `${store.uri}/${snapshotKey(sha256)}`,
        bytes: read.bytes,
        ...(read.kind === "folder" ? { files: read.files } : {}),
        stored: { objects: 0, bytes: 0 },
        seconds: (performance.now() - started) / 1000,
      },
      note: `${uri} ${state}: reading its data snapshot ${ref} from ${store.uri} instead (${read.bytes} bytes${read.kind === "folder" ? `, ${read.files} files` : ""})`,
      dispose,
    };
  } catch (error) {
    await dispose();
    if ((error as { code?: string }).code === "STORE_NOT_FOUND")
      throw new SnapshotError(
        "SNAPSHOT_MISSING",
        `${uri} ${state}, and the snapshot the pin was trained on, ${ref}, is not in ${store.uri}: ${(error as Error).message}`,
      );
    throw error;
  }
}
