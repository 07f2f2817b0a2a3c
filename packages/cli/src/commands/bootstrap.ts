import { readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { readLock } from "@lockstep/lockfile";
import {
  bootstrapPlan,
  DEPLOY_CONFIG_NAME,
  readDeployConfig,
  renderManifests,
  stepsMarkdown,
  withStepsBlock,
} from "@lockstep/deploy";
import { CliError, EXIT } from "../errors.js";
import { lockPath } from "../lock-io.js";
import type { Output } from "../output.js";

export interface BootstrapOptions {
  lock?: string;
  config?: string;
  /** Rewrite this Markdown file's generated block with the steps. */
  docs?: string;
  /** With --docs: write nothing, exit 1 when the block is stale. */
  check?: boolean;
  json?: boolean;
}

/**
 * `lockstep bootstrap`: what a cluster needs before the rendered objects can run, and who provides
 * each (the render, a platform chart, the managed cluster, or a numbered hand step), then the
 * hand steps themselves. Exit 1 when something is provided by nobody.
 */
export async function bootstrap(
  options: BootstrapOptions,
  out: Output,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const path = lockPath(options.lock, env);
  const config = await readDeployConfig(resolve(options.config ?? join(dirname(path), DEPLOY_CONFIG_NAME)));
  if (options.check && !options.docs)
    throw new CliError("--check compares a document's block: use it with --docs");
  // what a release would deploy: the placeholder digest changes no requirement
  const { files } = renderManifests(await readLock(path), config, { dryRun: true });
  const plan = bootstrapPlan(files, config);
  for (const { requirement, why } of plan.missing)
    out.error(
      `${requirement.kind} ${requirement.namespace ? `${requirement.namespace}/` : ""}${requirement.name}: ${why} (needed by ${requirement.neededBy.join(", ")})`,
    );
  if (options.docs) {
    const document = await readFile(options.docs, "utf8").catch(() => {
      throw new CliError(`cannot read ${options.docs}`);
    });
    let updated: string;
    try {
      updated = withStepsBlock(document, plan.steps);
    } catch (error) {
      throw new CliError(`${options.docs}: ${(error as Error).message}`);
    }
    if (options.check) {
      const fresh = updated === document;
      out.result(
        fresh
          ? `${options.docs}: the bootstrap steps are up to date`
          : `${options.docs}: the bootstrap steps are stale: run \`npm run lockstep -- bootstrap --docs ${options.docs}\``,
      );
      return fresh && plan.missing.length === 0 ? EXIT.ok : EXIT.failure;
    }
    if (updated !== document) await writeFile(options.docs, updated);
    out.result(
      `${options.docs}: ${plan.steps.length} bootstrap steps ${updated === document ? "unchanged" : "written"}`,
    );
  } else if (options.json)
    out.json({
      requirements: plan.requirements.map((r) => ({
        ...r,
        providedBy: plan.providedBy.get(`${r.kind}/${r.namespace ?? ""}/${r.name}`) ?? null,
      })),
      steps: plan.steps,
      missing: plan.missing,
    });
  else out.result(stepsMarkdown(plan.steps));
  return plan.missing.length === 0 ? EXIT.ok : EXIT.failure;
}
