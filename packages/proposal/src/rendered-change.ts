import { createHash } from "node:crypto";
import { posix } from "node:path";
import { serializeLock, type LockFile } from "@lockstep/lockfile";
import {
  DEPLOY_CONFIG_NAME,
  GENERATED_DIRS,
  parseDeployConfig,
  renderManifests,
  branchSlug,
  type DeployConfig,
} from "@lockstep/deploy";
import { models } from "@lockstep/models";
import type { GitRepo } from "./git-repo.js";

/** The id git gives a blob of this text (so unchanged files need no write). */
export function blobId(text: string): string {
  const bytes = Buffer.from(text, "utf8");
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

/**
 * What a lock change writes in one commit: the lock, and the manifests `lockstep render` makes from
 * it and the base's deployment config, so the pull request shows both. A repository without a
 * deployment config gets the lock alone.
 */
export async function lockChange(
  git: GitRepo,
  baseCommit: string,
  lockPath: string,
  lock: LockFile,
  /** A new deployment config to commit and render with (default: the base's, unchanged). */
  newConfig?: string,
): Promise<{ files: Map<string, string | null>; rendered: string[]; config?: DeployConfig }> {
  const files = new Map<string, string | null>([[lockPath, serializeLock(lock)]]);
  const root = posix.dirname(lockPath) === "." ? "" : `${posix.dirname(lockPath)}/`;
  if (newConfig !== undefined) files.set(`${root}${DEPLOY_CONFIG_NAME}`, newConfig);
  const configText = newConfig ?? (await git.show(baseCommit, `${root}${DEPLOY_CONFIG_NAME}`));
  if (configText === undefined) return { files, rendered: [] };
  const config = parseDeployConfig(
    configText,
    Object.keys(models),
    `${root}${DEPLOY_CONFIG_NAME} at ${baseCommit.slice(0, 12)}`,
  );
  // a pull request reaches no cluster: with the unreleased digest its ApplicationSets hold every model
  const rendered = renderManifests(lock, config, { dryRun: true }).files;
  const existing = await git.treeFiles(
    baseCommit,
    GENERATED_DIRS.map((d) => `${root}${d}`),
  );
  const changed: string[] = [];
  for (const [path, text] of rendered) {
    const at = `${root}${path}`;
    if (existing.get(at) !== blobId(text)) {
      files.set(at, text);
      changed.push(at);
    }
  }
  for (const path of existing.keys())
    if (!rendered.has(root ? path.slice(root.length) : path)) {
      files.set(path, null);
      changed.push(path);
    }
  return { files, rendered: changed.sort(), config };
}

/** The preview Argo CD's pull-request generator serves a proposal branch at (see the previews ApplicationSet). */
export function previewUrl(config: DeployConfig, branch: string, model: string): string | undefined {
  if (!config.previews || !branch.endsWith("/staging")) return undefined;
  return `https://${branchSlug(branch)}.${config.previews.domain}/v1/models/${model}`;
}

/** The manifests a proposal branch already changes against its base, and its preview. */
export async function branchDeployment(
  git: GitRepo,
  baseCommit: string,
  branchCommit: string,
  lockPath: string,
  branch: string,
  model: string,
): Promise<{ manifests: string[]; preview?: string }> {
  const root = posix.dirname(lockPath) === "." ? "" : `${posix.dirname(lockPath)}/`;
  const names = await git.run([
    "diff",
    "--name-only",
    "-z",
    baseCommit,
    branchCommit,
    "--",
    ...GENERATED_DIRS.map((d) => `${root}${d}`),
  ]);
  const manifests = names.split("\0").filter(Boolean).sort();
  const configText = await git.show(baseCommit, `${root}${DEPLOY_CONFIG_NAME}`);
  if (configText === undefined) return { manifests };
  const config = parseDeployConfig(configText, Object.keys(models), `${root}${DEPLOY_CONFIG_NAME}`);
  const preview = previewUrl(config, branch, model);
  return { manifests, ...(preview ? { preview } : {}) };
}
