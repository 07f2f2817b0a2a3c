import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { ArtifactSource } from "./types.js";

async function* chunksOf(source: ArtifactSource): AsyncIterable<Uint8Array> {
  if (source instanceof Uint8Array) {
    yield source;
    return;
  }
  for await (const chunk of source as AsyncIterable<Uint8Array | string>) {
    yield typeof chunk === "string" ? Buffer.from(chunk) : chunk;
  }
}

export interface Spooled {
  path: string;
  sha256: string;
  bytes: number;
}

/**
 * Writes a source to a fresh temp file in `dir` while hashing it. The caller renames or removes it.
 * More than `maxBytes` stops the copy (the temp file is removed) with `tooLarge(bytesSeen)`.
 */
export async function spool(
  source: ArtifactSource,
  dir: string,
  maxBytes = Number.POSITIVE_INFINITY,
  tooLarge: (seen: number) => Error = (seen) => new Error(`more than ${maxBytes} bytes (${seen})`),
): Promise<Spooled> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `.${randomBytes(8).toString("hex")}.part`);
  const hash = createHash("sha256");
  const file = await open(path, "wx", 0o644);
  let bytes = 0;
  try {
    for await (const chunk of chunksOf(source)) {
      bytes += chunk.byteLength;
      if (bytes > maxBytes) {
        const stream = source as { destroy?: () => void };
        stream.destroy?.(); // stop the download, not only the copy
        throw tooLarge(bytes);
      }
      hash.update(chunk);
      await file.write(chunk);
    }
    await file.sync();
  } catch (error) {
    await file.close();
    await rm(path, { force: true });
    throw error;
  }
  await file.close();
  return { path, sha256: hash.digest("hex"), bytes };
}

/** Atomically moves a spooled file into place (rename within one file system). */
export async function commitSpool(spooled: Spooled, target: string): Promise<void> {
  await rename(spooled.path, target);
}
