import { emptyLock, type LockFile } from "@lockstep/lockfile";
import {
  parseDataOverrides,
  parseTolerance,
  verificationSummary,
  verificationTable,
  verifyChangedPins,
  type PinVerification,
} from "@lockstep/verify";
import { dirname } from "node:path";
import { EXIT } from "../errors.js";
import { lockPath, readLockRef } from "../lock-io.js";
import { checkPromotions } from "../promotion-check.js";
import type { Output } from "../output.js";

export interface VerifyCommandOptions {
  lock?: string;
  all?: boolean;
  reproduce?: boolean;
  tolerance?: string;
  data?: string[];
  json?: boolean;
}

/**
 * Verifies the pins the working lock adds or changes against `base` (a lock file or git:REV,
 * default git:HEAD; --all: every pin): artifact, card, onnxruntime, golden inputs and, with
 * --reproduce, the recorded evaluation run again. Exit 1 when any check fails.
 */
export async function verify(
  base: string | undefined,
  options: VerifyCommandOptions,
  out: Output,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ exitCode: number; results: PinVerification[] }> {
  const path = lockPath(options.lock, env);
  const tolerance = options.tolerance === undefined ? undefined : parseTolerance(options.tolerance);
  const data = parseDataOverrides(options.data ?? []);
  const current = await readLockRef(path, path);
  const before: LockFile = options.all
    ? emptyLock()
    : await readLockRef(base ?? "git:HEAD", path, { missingFileIsEmpty: true });
  const baseDir = dirname(path);
  const results = await verifyChangedPins(before, current, {
    storeOptions: { baseDir, env },
    reproduce: options.reproduce ? { tolerance, data, baseDir, env, log: out.progress } : undefined,
    log: out.progress,
  });
  if (!options.all) await checkPromotions(base ?? "git:HEAD", path, before, current, results);
  if (options.json) out.json(results);
  else if (results.length === 0) out.result(verificationSummary(results));
  else out.result(`${verificationTable(results)}\n\n${verificationSummary(results)}`);
  const exitCode = results.every((r) => r.ok) ? EXIT.ok : EXIT.failure;
  return { exitCode, results };
}
