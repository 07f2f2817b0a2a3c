import { basename, dirname } from "node:path";
import { promotionViolations } from "@lockstep/deploy";
import type { LockFile } from "@lockstep/lockfile";
import { GitRepo, lockHistory } from "@lockstep/proposal";
import type { PinVerification } from "@lockstep/verify";
import { deployConfigAt } from "./deployed-location.js";

/** The base's earlier locks, newest first; empty outside git (a shallow clone has only the base). */
async function history(base: string, lockFile: string): Promise<LockFile[]> {
  if (!base.startsWith("git:")) return [];
  const git = new GitRepo(dirname(lockFile));
  const revisions = await lockHistory(git, base.slice(4) || "HEAD", basename(lockFile)).catch(() => []);
  return revisions.map((r) => r.lock);
}

/**
 * Adds a "promotion" check to each verified pin in an environment that is promoted from another
 * (lockstep.deploy.json's promotedFrom): it holds only when that environment pinned the artifact first.
 */
export async function checkPromotions(
  base: string,
  lockFile: string,
  before: LockFile,
  after: LockFile,
  results: PinVerification[],
): Promise<void> {
  // the base's config governs: a pull request cannot lift its own rule
  const config = await deployConfigAt(base, dirname(lockFile));
  if (!config) return;
  const promoted = results.filter((r) => config.environments[r.environment]?.promotedFrom !== undefined);
  if (promoted.length === 0) return;
  const violations = promotionViolations(config, before, after, await history(base, lockFile));
  for (const result of promoted) {
    const violation = violations.find(
      (v) => v.model === result.model && v.environment === result.environment,
    );
    const source = config.environments[result.environment]!.promotedFrom!;
    result.checks.push({
      name: "promotion",
      ok: violation === undefined,
      detail: violation?.detail ?? `the artifact ${source} pinned (${result.sha256.slice(0, 12)})`,
    });
    if (violation) result.ok = false;
  }
}
