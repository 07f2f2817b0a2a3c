import { basename, dirname } from "node:path";
import { promotionViolations } from "@lockstep/deploy";
import type { LockFile } from "@lockstep/lockfile";
import { GitRepo, lockHistory, pinSoak } from "@lockstep/proposal";
import type { PinVerification } from "@lockstep/verify";
import { deployConfigAt } from "./deployed-location.js";
import { latestReportOf, requirementChecks } from "./promotion-evidence.js";

/** The base's earlier locks, newest first; empty outside git (a shallow clone has only the base). */
async function history(base: string, lockFile: string): Promise<LockFile[]> {
  if (!base.startsWith("git:")) return [];
  const git = new GitRepo(dirname(lockFile));
  const revisions = await lockHistory(git, base.slice(4) || "HEAD", basename(lockFile)).catch(() => []);
  return revisions.map((r) => r.lock);
}

export interface PromotionCheckOptions {
  /** Where monitor reports are read (default: the source environment's store in the base's config). */
  reportStore?: string;
  env?: NodeJS.ProcessEnv;
  now?: Date;
}

/**
 * Adds a "promotion" check to each verified pin in an environment that is promoted from another
 * (lockstep.deploy.json's promotedFrom): it holds only when that environment pinned the artifact first.
 * With promotionRequires, a promotion (not a revert) also needs its "soak" and "health" checks.
 */
export async function checkPromotions(
  base: string,
  lockFile: string,
  before: LockFile,
  after: LockFile,
  results: PinVerification[],
  options: PromotionCheckOptions = {},
): Promise<void> {
  // the base's config governs: a pull request cannot lift its own rule
  const config = await deployConfigAt(base, dirname(lockFile));
  if (!config) return;
  const promoted = results.filter((r) => config.environments[r.environment]?.promotedFrom !== undefined);
  if (promoted.length === 0) return;
  const earlier = await history(base, lockFile);
  const violations = promotionViolations(config, before, after, earlier);
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
    const requires = config.environments[result.environment]!.promotionRequires;
    if (violation || !requires) continue;
    // a revert restores what this environment served before: it needs no new evidence to undo a bad pin
    const restores = [before, ...earlier].some(
      (lock) => lock.models[result.model]?.pins[result.environment]?.sha256 === result.sha256,
    );
    const checks = restores
      ? requirementChecks(requires, source, undefined, undefined).map((c) => ({
          ...c,
          ok: true,
          detail: `not required: ${result.environment} pinned this artifact before (a revert)`,
        }))
      : requirementChecks(
          requires,
          source,
          base.startsWith("git:")
            ? await pinSoak(new GitRepo(dirname(lockFile)), base.slice(4) || "HEAD", basename(lockFile), result.model, source, result.sha256, options.now) // prettier-ignore
            : undefined,
          requires.healthyReport
            ? await latestReportOf(result.model, source, result.sha256, {
                config,
                dir: dirname(lockFile),
                env: options.env ?? process.env,
                ...(options.reportStore ? { storeUri: options.reportStore } : {}),
              })
            : undefined,
        );
    result.checks.push(...checks);
    if (checks.some((c) => !c.ok)) result.ok = false;
  }
}
