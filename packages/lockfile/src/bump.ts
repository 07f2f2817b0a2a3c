import { LockError } from "./errors.js";
import { LOCKFILE_VERSION, type Gate, type LockFile, type Pin } from "./types.js";

export const SCHEMA_REF = "./packages/lockfile/schema/models.lock.schema.json";

export function emptyLock(): LockFile {
  return { $schema: SCHEMA_REF, lockfileVersion: LOCKFILE_VERSION, models: {} };
}

/**
 * The version for an artifact: the one it already has in any environment (of the lock, else of
 * its `history`), else one more than the highest the model has had, so a version a revert took
 * out of the lock is never handed to another artifact.
 */
export function nextVersion(
  lock: LockFile,
  model: string,
  sha256?: string,
  history: readonly LockFile[] = [],
): string {
  // the lock first, then its history newest first: where an artifact is pinned now decides
  const pins = [lock, ...history].flatMap((l) => Object.values(l.models[model]?.pins ?? {}));
  // a version names an artifact: the same sha256 keeps the version it already has
  const same = sha256 === undefined ? undefined : pins.find((pin) => pin.sha256 === sha256);
  if (same) return same.version;
  const versions = pins.map((pin) => Number.parseInt(pin.version, 10)).filter(Number.isFinite);
  return String(versions.length === 0 ? 1 : Math.max(...versions) + 1);
}

/**
 * Returns a new lock with `pin` for `model` in `environment`. The lock is not mutated.
 * A model not yet in the lock needs its gate.
 */
export function bumpPin(lock: LockFile, model: string, environment: string, pin: Pin, gate?: Gate): LockFile {
  const existing = lock.models[model];
  const modelGate = existing?.gate ?? gate;
  if (!modelGate) {
    throw new LockError(
      "LOCK_MODEL",
      `model "${model}" is not in the lock: its gate must be given to pin it`,
    );
  }
  if (!(modelGate.metric in pin.metrics)) {
    throw new LockError("LOCK_MODEL", `the pin for "${model}" lacks the gate metric "${modelGate.metric}"`);
  }
  return {
    ...lock,
    models: {
      ...lock.models,
      [model]: { gate: modelGate, pins: { ...(existing?.pins ?? {}), [environment]: pin } },
    },
  };
}
