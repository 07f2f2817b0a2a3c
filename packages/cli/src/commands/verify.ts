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
import { deployConfigAt, relocateToDeployed, storeEnvironment } from "../deployed-location.js";
import type { Output } from "../output.js";

export interface VerifyCommandOptions {
  lock?: string;
  all?: boolean;
  reproduce?: boolean;
  tolerance?: string;
  data?: string[];
  json?: boolean;
  /** A git revision whose lock (and deployment config) is verified, read as data: nothing of it runs. */
  head?: string;
  /** Verify each pin where its environment's pods load it (the deployment config's store), not at its uri. */
  deployed?: boolean;
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
  const headRef = options.head === undefined ? path : `git:${options.head}`;
  const current = await readLockRef(headRef, path);
  const before: LockFile = options.all
    ? emptyLock()
    : await readLockRef(base ?? "git:HEAD", path, { missingFileIsEmpty: true });
  const baseDir = dirname(path);
  const relocated = options.deployed
    ? relocateToDeployed(
        before,
        current,
        await deployConfigAt(headRef, baseDir),
        options.all ? undefined : await deployConfigAt(base ?? "git:HEAD", baseDir),
      )
    : undefined;
  const verified = await verifyChangedPins(before, relocated?.lock ?? current, {
    storeOptions: { baseDir, env },
    storeOptionsFor: (model, environment) => {
      const at = relocated?.where.get(`${model}/${environment}`);
      return at && { baseDir, env: storeEnvironment(at.store, env) };
    },
    reproduce: options.reproduce ? { tolerance, data, baseDir, env, log: out.progress } : undefined,
    log: out.progress,
  });
  for (const result of verified) {
    const uri = relocated?.where.get(`${result.model}/${result.environment}`)?.uri;
    if (uri)
      result.checks.unshift({
        name: "location",
        ok: true,
        detail: `read where ${result.environment}'s pods load it: ${uri}`,
      });
  }
  const results = [...(relocated?.refused ?? []), ...verified];
  if (!options.all) await checkPromotions(base ?? "git:HEAD", path, before, current, results);
  if (options.json) out.json(results);
  else if (results.length === 0) out.result(verificationSummary(results));
  else out.result(`${verificationTable(results)}\n\n${verificationSummary(results)}`);
  const exitCode = results.every((r) => r.ok) ? EXIT.ok : EXIT.failure;
  return { exitCode, results };
}
