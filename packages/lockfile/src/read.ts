import { readFile, stat } from "node:fs/promises";
import { LockError } from "./errors.js";
import { jsonErrorDetail, jsonTextDepth } from "./json-text.js";
import type { LockFile } from "./types.js";
import { validateLock } from "./validate.js";

/** A lock file pins a handful of models; anything this large is a mistake or an attack. */
export const MAX_LOCK_BYTES = 4 * 1024 * 1024;

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return `line ${line}, column ${column}`;
}

/** A lock nests six deep (models, model, pins, environment, metrics); far more is an attack. */
export const MAX_LOCK_DEPTH = 32;

/** Parses and validates the text of a lock file. */
export function parseLock(text: string, source = "models.lock.json"): LockFile {
  if (Buffer.byteLength(text) > MAX_LOCK_BYTES) {
    throw new LockError("LOCK_TOO_LARGE", `${source} is larger than ${MAX_LOCK_BYTES} bytes`, [], source);
  }
  // checked before parsing: validating a value nested a million deep would overflow the stack
  if (jsonTextDepth(text) > MAX_LOCK_DEPTH) {
    throw new LockError("LOCK_PARSE", `${source} nests deeper than ${MAX_LOCK_DEPTH} levels`, [], source);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    const where = position ? ` at ${lineAndColumn(text, Number(position[1]))}` : "";
    throw new LockError(
      "LOCK_PARSE",
      `${source} is not valid JSON${where}: ${jsonErrorDetail(error)}`,
      [],
      source,
    );
  }
  return validateLock(value, source);
}

/** Reads, parses and validates a lock file from disk. */
export async function readLock(path: string): Promise<LockFile> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    throw new LockError("LOCK_NOT_FOUND", `lock file ${path} does not exist`, [], path);
  }
  if (size > MAX_LOCK_BYTES) {
    throw new LockError("LOCK_TOO_LARGE", `${path} is larger than ${MAX_LOCK_BYTES} bytes`, [], path);
  }
  return parseLock(await readFile(path, "utf8"), path);
}
