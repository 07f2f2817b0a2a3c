import type { LockFile } from "@lockstep/lockfile";

/**
 * The version a proposed artifact gets. A version names one artifact for good: the same sha256
 * keeps the version it had (in the base lock, else in the lock's history), and a new one is
 * numbered after every version the model has ever had in that history, so a version a revert
 * took out of the lock is never handed to another artifact.
 */
export function proposedVersion(
  base: LockFile,
  history: readonly LockFile[],
  model: string,
  sha256: string,
): string {
  // the base first, then the history newest first: where an artifact is pinned now decides
  const pins = [base, ...history].flatMap((lock) => Object.values(lock.models[model]?.pins ?? {}));
  const same = pins.find((pin) => pin.sha256 === sha256);
  if (same) return same.version;
  const versions = pins.map((pin) => Number.parseInt(pin.version, 10)).filter(Number.isFinite);
  return String(versions.length === 0 ? 1 : Math.max(...versions) + 1);
}
