import { diffLock, type LockFile } from "@lockstep/lockfile";
import type { DeployConfig } from "./config.js";

/** A pin that reached a promoted environment without coming from its source environment. */
export interface PromotionViolation {
  model: string;
  environment: string;
  sha256: string;
  detail: string;
}

/**
 * The pins `after` adds or changes in an environment with `promotedFrom` whose artifact the source
 * environment has not pinned, at `before` or in `history` (the base's earlier locks). A promotion
 * copies the source's current pin; a revert restores an artifact the source pinned earlier; a
 * freshly trained pin proposed straight into production is what this refuses.
 */
export function promotionViolations(
  config: DeployConfig,
  before: LockFile,
  after: LockFile,
  history: readonly LockFile[] = [],
): PromotionViolation[] {
  const violations: PromotionViolation[] = [];
  for (const change of diffLock(before, after)) {
    const source = config.environments[change.environment]?.promotedFrom;
    if (!change.after || source === undefined) continue;
    const { sha256 } = change.after;
    const pinnedThere = [before, ...history].some(
      (lock) => lock.models[change.model]?.pins[source]?.sha256 === sha256,
    );
    if (pinnedThere) continue;
    violations.push({
      model: change.model,
      environment: change.environment,
      sha256,
      detail: `${change.environment} takes only artifacts ${source} has pinned: ${sha256.slice(0, 12)} was never ${change.model}'s ${source} pin on the base branch (propose to ${source}, then lockstep promote)`,
    });
  }
  return violations;
}
