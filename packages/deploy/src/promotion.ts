import type { LockFile, Pin } from "@lockstep/lockfile";
import { DeployError } from "./errors.js";

export interface Promotion {
  lock: LockFile;
  pin: Pin;
  /** What the target environment pinned before, if anything. */
  replaced?: Pin;
}

/**
 * Copies `from`'s pin of a model into `to`: the same artifact, sha256, version and metrics, no
 * retraining. Refused when `from` pins nothing or `to` already serves that artifact.
 */
export function promotePin(lock: LockFile, model: string, from: string, to: string): Promotion {
  if (from === to)
    throw new DeployError("PROMOTE_REFUSED", `promote from ${from} to itself: name two environments`);
  const entry = lock.models[model];
  const pin = entry?.pins[from];
  if (!entry || !pin)
    throw new DeployError(
      "PROMOTE_REFUSED",
      `${model} has no pin in ${from}: nothing to promote (train and merge a proposal first)`,
    );
  const replaced = entry.pins[to];
  if (replaced?.sha256 === pin.sha256)
    throw new DeployError(
      "PROMOTE_REFUSED",
      `${to} already pins ${model} version ${pin.version} (${pin.sha256.slice(0, 12)}): nothing to promote`,
    );
  const pins = { ...entry.pins, [to]: structuredClone(pin) };
  const sorted = Object.fromEntries(
    Object.keys(pins)
      .sort()
      .map((env) => [env, pins[env]!]),
  );
  return {
    lock: { ...lock, models: { ...lock.models, [model]: { ...entry, pins: sorted } } },
    pin,
    ...(replaced ? { replaced } : {}),
  };
}

/** One version of the lock in git history, newest first. */
export interface LockRevision {
  commit: string;
  lock: LockFile;
}

export interface Revert {
  lock: LockFile;
  /** The pin being taken out (the one served now). */
  failed: Pin;
  /** The pin restored, as it was pinned at `commit`. */
  restored: Pin;
  commit: string;
}

/**
 * Restores the pin a model had in an environment before the current one, from the lock's history
 * (newest first): the newest revision whose pin there names a different artifact.
 */
export function revertPin(
  current: LockFile,
  history: readonly LockRevision[],
  model: string,
  environment: string,
): Revert {
  const entry = current.models[model];
  const failed = entry?.pins[environment];
  if (!entry || !failed)
    throw new DeployError("REVERT_REFUSED", `${model} has no pin in ${environment}: nothing to revert`);
  for (const revision of history) {
    const pin = revision.lock.models[model]?.pins[environment];
    if (pin && pin.sha256 !== failed.sha256) {
      return {
        lock: {
          ...current,
          models: {
            ...current.models,
            [model]: { ...entry, pins: { ...entry.pins, [environment]: structuredClone(pin) } },
          },
        },
        failed,
        restored: pin,
        commit: revision.commit,
      };
    }
  }
  throw new DeployError(
    "REVERT_REFUSED",
    `${model} in ${environment} has no earlier pin in the lock's history than version ${failed.version} (${failed.sha256.slice(0, 12)}): nothing to revert to`,
  );
}

/** A pin's age at `now`, for people: "3 days", "5 hours". */
export function pinAge(pin: Pin, now = new Date()): string {
  const ms = now.getTime() - Date.parse(pin.trainedAt);
  if (!Number.isFinite(ms) || ms < 0) return "unknown";
  const hours = ms / 3_600_000;
  if (hours < 1) return `${Math.max(1, Math.round(ms / 60_000))} minutes`;
  if (hours < 48) return `${Math.round(hours)} hours`;
  return `${Math.round(hours / 24)} days`;
}
