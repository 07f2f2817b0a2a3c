// What every `lockstep runs` subcommand shares: the store it reads, the lock's pins by artifact, and
// @lockstep/runs' errors as exit codes.
import { dirname } from "node:path";
import type { LockFile } from "@lockstep/lockfile";
import { RunsError, type RunStore } from "@lockstep/runs";
import { openStore } from "@lockstep/store";
import { CliError, EXIT } from "../errors.js";
import { lockPath } from "../lock-io.js";
import { defaultStore } from "./train.js";

export interface StoreOptions {
  store?: string;
  lock?: string;
}

/** The store runs are read from: --store, else $LOCKSTEP_STORE, else the lock's folder's .lockstep/store. */
export function runStore(options: StoreOptions): { store: RunStore; lockFile: string } {
  const lockFile = lockPath(options.lock);
  return { store: openStore(options.store ?? defaultStore(), { baseDir: dirname(lockFile) }), lockFile };
}

/** Bad input from @lockstep/runs (ids, filters) exits 2; a malformed record in the store exits 1. */
export async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RunsError)
      throw new CliError(
        error.message,
        error.code === "RUN_RECORD_INVALID" ? EXIT.failure : EXIT.usage,
        error.code,
      );
    throw error;
  }
}

/** Environments pinning each artifact sha256, from the lock (empty when there is no lock). */
export function pinsBySha(lock: LockFile): Map<string, string[]> {
  const pins = new Map<string, string[]>();
  for (const [model, entry] of Object.entries(lock.models))
    for (const [env, pin] of Object.entries(entry.pins))
      pins.set(pin.sha256, [...(pins.get(pin.sha256) ?? []), `${model}@${env}`]);
  return pins;
}

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
