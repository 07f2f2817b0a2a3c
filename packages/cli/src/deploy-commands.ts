// `lockstep render` and `bootstrap`: the lock and lockstep.deploy.json as manifests under argocd/,
// and what a cluster needs before they run.
import type { Command } from "commander";
import { bootstrap } from "./commands/bootstrap.js";
import { render } from "./commands/render.js";
import type { Output } from "./output.js";
import type { ProgramState } from "./run-program.js";

/** Adds render and bootstrap to `program`, in that order. */
export function addDeployCommands(program: Command, out: Output, state: ProgramState): void {
  program
    .command("render")
    .description(
      "render the lock and lockstep.deploy.json as the Kubernetes and Argo CD manifests under argocd/",
    )
    .option("--lock <file>", "lock file (default $LOCKSTEP_LOCK or ./models.lock.json)")
    .option("--config <file>", "deployment config (default lockstep.deploy.json beside the lock)")
    .option("--dir <dir>", "repository root to write argocd/ under (default the lock's folder)")
    .option("--check", "write nothing; exit 1 when the committed argocd/ files are stale")
    .option(
      "--at <rev>",
      "with --check: check this git revision's lock, config and argocd/, read as data (a pull request's head)",
    )
    .option(
      "--dry-run",
      "allow the unreleased placeholder image digest: the ApplicationSets then generate no Application",
    )
    .option("--json", "print what changed as JSON")
    .action(async (options) => {
      state.code = (await render(options, out)).exitCode;
    });

  program
    .command("bootstrap")
    .description(
      "list what a cluster needs before the rendered objects run, who provides each, and the hand-made Secrets as numbered steps",
    )
    .option("--lock <file>", "lock file (default $LOCKSTEP_LOCK or ./models.lock.json)")
    .option("--config <file>", "deployment config (default lockstep.deploy.json beside the lock)")
    .option(
      "--docs <file>",
      "rewrite the generated bootstrap-steps block of this Markdown file (docs/deploy.md)",
    )
    .option("--check", "with --docs: write nothing; exit 1 when the block is stale")
    .option("--json", "print requirements, providers and steps as JSON")
    .action(async (options) => {
      state.code = await bootstrap(options, out);
    });
}
