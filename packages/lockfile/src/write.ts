import { rename, writeFile } from "node:fs/promises";
import type { Evaluation, Gate, LockFile, ModelLock, Pin, PinSource } from "./types.js";
import { validateLock } from "./validate.js";

const byKey = <T>(record: Record<string, T>, map: (value: T) => unknown): Record<string, unknown> =>
  Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((key) => [key, map(record[key] as T)]),
  );

/** Copies an object keeping only the listed keys, in that order, skipping absent ones. */
function ordered<T extends object>(value: T, keys: readonly (keyof T)[]): Partial<T> {
  const out: Partial<T> = {};
  for (const key of keys) if (value[key] !== undefined) out[key] = value[key];
  return out;
}

const gateOrder: (keyof Gate)[] = ["metric", "goal", "minImprovement", "minStandardErrors"];
const evaluationOrder: (keyof Evaluation)[] = ["protocol", "dataset", "datasetSha256", "dataSnapshot"];
const sourceOrder: (keyof PinSource)[] = ["commit", "runUrl", "attestation"];

function canonicalPin(pin: Pin): unknown {
  return {
    version: pin.version,
    sha256: pin.sha256,
    bytes: pin.bytes,
    uri: pin.uri,
    metrics: byKey(pin.metrics, (v) => v),
    evaluation: {
      ...ordered(pin.evaluation, evaluationOrder),
      ...(pin.evaluation.folds ? { folds: byKey(pin.evaluation.folds, (v) => v) } : {}),
    },
    trainedAt: pin.trainedAt,
    source: ordered(pin.source, sourceOrder),
  };
}

function canonicalModel(model: ModelLock): unknown {
  return { gate: ordered(model.gate, gateOrder), pins: byKey(model.pins, canonicalPin) };
}

/**
 * The one textual form of a lock: keys in a fixed order (models and environments sorted),
 * 2-space indent, trailing newline. Written locks read back and re-serialise byte-identically.
 */
export function serializeLock(lock: LockFile): string {
  validateLock(lock, "the lock to write");
  const canonical = {
    ...(lock.$schema !== undefined ? { $schema: lock.$schema } : {}),
    lockfileVersion: lock.lockfileVersion,
    models: byKey(lock.models, canonicalModel),
  };
  return `${JSON.stringify(canonical, null, 2)}\n`;
}

/** Validates and writes atomically (temp file + rename), so a crash never leaves half a lock. */
export async function writeLock(path: string, lock: LockFile): Promise<void> {
  const text = serializeLock(lock);
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, text, "utf8");
  await rename(temp, path);
}
