import { LockError } from "./errors.js";
import { LOCKFILE_VERSION, type Gate, type LockFile, type Pin } from "./types.js";

export const SCHEMA_REF = "./packages/lockfile/schema/models.lock.schema.json";

export function emptyLock(): LockFile {
  return { $schema: SCHEMA_REF, lockfileVersion: LOCKFILE_VERSION, models: {} };
}

/** The next version label for a model: one more than the highest numeric version in any environment. */
export function nextVersion(lock: LockFile, model: string): string {
  const versions = Object.values(lock.models[model]?.pins ?? {})
    .map((pin) => Number.parseInt(pin.version, 10))
    .filter(Number.isFinite);
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
