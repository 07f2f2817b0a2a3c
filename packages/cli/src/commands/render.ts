import { dirname, join, resolve } from "node:path";
import { readLock } from "@lockstep/lockfile";
import {
  DEPLOY_CONFIG_NAME,
  diffRendered,
  isClean,
  readDeployConfig,
  renderManifests,
  writeRendered,
  type RenderedDiff,
} from "@lockstep/deploy";
import { EXIT } from "../errors.js";
import { lockPath } from "../lock-io.js";
import type { Output } from "../output.js";

export interface RenderCommandOptions {
  lock?: string;
  config?: string;
  /** The repository root argocd/ is written under (default: the lock's folder). */
  dir?: string;
  check?: boolean;
  json?: boolean;
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
  const result = renderManifests(await readLock(path), await readDeployConfig(configPath));
  for (const warning of result.warnings) out.warn(warning);
  const diff = options.check
    ? await diffRendered(root, result.files)
    : await writeRendered(root, result.files);
  const ms = (performance.now() - started).toFixed(0);
  const clean = isClean(diff);
  if (options.json) out.json({ files: result.files.size, clean, ...diff });
  else if (options.check)
    out.result(
      clean
        ? `argocd/ is up to date: ${result.files.size} files match the lock and ${DEPLOY_CONFIG_NAME} (${ms} ms)`
        : [
            `argocd/ is stale: run \`npm run lockstep -- render\` and commit the result`,
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
