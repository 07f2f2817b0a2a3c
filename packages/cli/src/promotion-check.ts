import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import {
  DEPLOY_CONFIG_NAME,
  parseDeployConfig,
  promotionViolations,
  type DeployConfig,
} from "@lockstep/deploy";
import type { LockFile } from "@lockstep/lockfile";
import { models } from "@lockstep/models";
import { GitRepo, lockHistory } from "@lockstep/proposal";
import type { PinVerification } from "@lockstep/verify";
import { readAtRevision } from "./git.js";

/** The deployment config that governs a change: the base's (a pull request cannot lift its own rule). */
async function governingConfig(base: string, lockFile: string): Promise<DeployConfig | undefined> {
  const dir = dirname(lockFile);
  if (base.startsWith("git:")) {
    const revision = base.slice(4) || "HEAD";
    const text = await readAtRevision(dir, revision, DEPLOY_CONFIG_NAME);
    return text === undefined
      ? undefined
      : parseDeployConfig(text, Object.keys(models), `${DEPLOY_CONFIG_NAME}@${revision}`);
  }
  const path = join(dir, DEPLOY_CONFIG_NAME);
  return existsSync(path)
    ? parseDeployConfig(await readFile(path, "utf8"), Object.keys(models), path)
    : undefined;
}

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
  const config = await governingConfig(base, lockFile);
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
