import { existsSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { emptyLock, LOCKFILE_NAME, parseLock, readLock, type LockFile } from "@lockstep/lockfile";
import { CliError } from "./errors.js";
import { readAtRevision, revisionExists } from "./git.js";

export function lockPath(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(option ?? env.LOCKSTEP_LOCK ?? LOCKFILE_NAME);
}

/** Reads the lock, or starts an empty one when the file does not exist yet. */
export async function readLockOrEmpty(path: string): Promise<LockFile> {
  return existsSync(path) ? readLock(path) : emptyLock();
}

/**
 * Reads `path`, or `git:REV` (the lock file at a git revision, e.g. git:HEAD or git:origin/main).
 * With `missingFileIsEmpty`, a revision that exists but has no lock file yet reads as an empty lock.
 */
export async function readLockRef(
  ref: string,
  defaultPath: string,
  options: { missingFileIsEmpty?: boolean } = {},
): Promise<LockFile> {
  if (ref.startsWith("git:")) {
    const revision = ref.slice(4) || "HEAD";
    const cwd = dirname(defaultPath);
    const text = await readAtRevision(cwd, revision, basename(defaultPath));
    if (text === undefined && options.missingFileIsEmpty && (await revisionExists(cwd, revision)))
      return emptyLock();
    if (text === undefined)
      throw new CliError(`cannot read ${basename(defaultPath)} at git revision "${revision}"`);
    return parseLock(text, `${basename(defaultPath)}@${revision}`);
  }
  const path = resolve(ref);
  if (!existsSync(path)) throw new CliError(`lock file ${path} does not exist`);
  return readLock(path); // its size is checked before it is read
}
