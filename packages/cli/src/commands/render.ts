import { dirname, join, resolve } from "node:path";
import { readLock } from "@lockstep/lockfile";
import {
  DEPLOY_CONFIG_NAME,
  diffCommitted,
  isClean,
  workingTree,
  type CommittedFiles,
  readDeployConfig,
  renderManifests,
  writeRendered,
  type RenderedDiff,
} from "@lockstep/deploy";
import { CliError, EXIT } from "../errors.js";
import { deployConfigAt } from "../deployed-location.js";
import { listAtRevision, readAtRevision } from "../git.js";
import { lockPath, readLockRef } from "../lock-io.js";
import type { Output } from "../output.js";

export interface RenderCommandOptions {
  lock?: string;
  config?: string;
  /** The repository root argocd/ is written under (default: the lock's folder). */
  dir?: string;
  check?: boolean;
  json?: boolean;
  /**
   * With --check: a git revision whose lock, deployment config and argocd/ are read as data (git
   * show) and checked with this code, e.g. a pull request's head from its base's checkout.
   */
  at?: string;
  /**
   * Render with the unreleased placeholder image digest: the ApplicationSets then generate no
   * Application (nothing reaches a cluster). --check always allows it: it writes nothing.
   */
  dryRun?: boolean;
}

/** A revision's files, read with git (never checked out). */
function atRevision(root: string, revision: string): CommittedFiles {
  return {
    read: (path) => readAtRevision(root, revision, path),
    list: async (dir) => ((await listAtRevision(root, revision, dir)) ?? []).filter(Boolean),
  };
}

function describe(diff: RenderedDiff): string[] {
  return [
    ...diff.changed.map((p) => `  changed  ${p}`),
    ...diff.missing.map((p) => `  missing  ${p}`),
    ...diff.extra.map((p) => `  extra    ${p}`),
  ];
}

/**
 * Renders the lock and the deployment config as the manifests under argocd/. --check writes
 * nothing and exits 1 when the committed files differ from what render makes.
 */
export async function render(
  options: RenderCommandOptions,
  out: Output,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ exitCode: number; diff: RenderedDiff }> {
  const path = lockPath(options.lock, env);
  const root = resolve(options.dir ?? dirname(path));
  const configPath = resolve(options.config ?? join(root, DEPLOY_CONFIG_NAME));
  const started = performance.now();
  if (options.at !== undefined && !options.check)
    throw new CliError("--at reads a revision to check it: use it with --check");
  const at = options.at;
  const lock = at === undefined ? await readLock(path) : await readLockRef(`git:${at}`, path);
  const config =
    at === undefined ? await readDeployConfig(configPath) : await deployConfigAt(`git:${at}`, root);
  if (!config) throw new CliError(`there is no ${DEPLOY_CONFIG_NAME} at ${at}`);
  const result = renderManifests(lock, config, { dryRun: options.dryRun === true || options.check === true });
  for (const warning of result.warnings) out.warn(warning);
  const diff = options.check
    ? await diffCommitted(at === undefined ? workingTree(root) : atRevision(root, at), result.files)
    : await writeRendered(root, result.files);
  const ms = (performance.now() - started).toFixed(0);
  const clean = isClean(diff);
  if (options.json) out.json({ files: result.files.size, clean, ...diff });
  else if (options.check)
    out.result(
      clean
        ? `argocd/${at === undefined ? "" : ` at ${at}`} is up to date: ${result.files.size} files match the lock and ${DEPLOY_CONFIG_NAME} (${ms} ms)`
        : [
            `argocd/${at === undefined ? "" : ` at ${at}`} is stale: run \`npm run lockstep -- render\` and commit the result`,
            ...describe(diff),
          ].join("\n"),
    );
  else
    out.result(
      clean
        ? `argocd/: ${result.files.size} files, nothing changed (${ms} ms)`
        : [`argocd/: ${result.files.size} files rendered (${ms} ms)`, ...describe(diff)].join("\n"),
    );
  return { exitCode: options.check && !clean ? EXIT.failure : EXIT.ok, diff };
}
