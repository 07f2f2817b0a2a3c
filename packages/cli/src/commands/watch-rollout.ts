// Whether the watched pin has rolled out: the commit that put it in the lock (and the pin before it),
// and how long the environment's canary takes at most.
import { join, relative } from "node:path";
import { parseDuration, readDeployConfig, resolveSettings } from "@lockstep/deploy";
import type { Pin } from "@lockstep/lockfile";
import { getModel } from "@lockstep/models";
import { GitRepo, lockHistory } from "@lockstep/proposal";

/** Where the pin came from: the commit that put it there (first-parent), and the pin before it. */
export interface PinOrigin {
  commit: string;
  committedAt: string;
  previous?: Pin;
}

/**
 * The current pin's origin in the lock's git history along first parents (the history a revert
 * restores from, so the pin compared is the pin a revert brings back): undefined when the pin on
 * disk is not the committed one (not merged yet, so not rolled out).
 */
export async function pinOrigin(
  dir: string,
  lockFile: string,
  model: string,
  environment: string,
  current: Pin,
): Promise<PinOrigin | undefined> {
  const git = new GitRepo(dir);
  const history = await lockHistory(git, "HEAD", relative(dir, lockFile));
  const sha = (i: number) => history[i]?.lock.models[model]?.pins[environment]?.sha256;
  if (sha(0) !== current.sha256) return undefined;
  let i = 0;
  while (i + 1 < history.length && sha(i + 1) === current.sha256) i++;
  const commit = history[i]!.commit;
  const committedAt = (await git.run(["show", "-s", "--format=%cI", commit])).trim();
  const previous = history
    .slice(i + 1)
    .map((r) => r.lock.models[model]?.pins[environment])
    .find((p) => p !== undefined && p.sha256 !== current.sha256);
  return { commit, committedAt, ...(previous ? { previous } : {}) };
}

/**
 * How long the environment's rollout takes at most: every canary step's analysis (its initial
 * delay and `count` measurements an `interval` apart). No deploy config: nothing rolls (local serve).
 */
export async function rolloutMs(dir: string, model: string, environment: string): Promise<number> {
  const config = await readDeployConfig(join(dir, "lockstep.deploy.json")).catch((error: unknown) => {
    if ((error as { code?: string }).code === "DEPLOY_CONFIG_NOT_FOUND") return undefined;
    throw error;
  });
  if (!config || !config.environments[environment]) return 0;
  const { canary } = resolveSettings(config, getModel(model), environment);
  const a = canary.analysis;
  const step = parseDuration(a.initialDelay ?? a.window) + a.count * parseDuration(a.interval);
  return canary.weights.length * step;
}
