// `lockstep promote`, `revert`, `watch` and `release`: the commands whose outcome is a pull request
// (watch's, when a rolled-out pin is worse: the revert).
import type { Command } from "commander";
import { models } from "@lockstep/models";
import { promote, release, revert } from "./commands/change-requests.js";
import { watch } from "./commands/watch.js";
import type { Output } from "./output.js";
import type { ProgramState } from "./run-program.js";

/** Adds promote, revert, watch and release to `program`, in that order. */
export function addChangeRequestCommands(program: Command, out: Output, state: ProgramState): void {
  program
    .command("promote")
    .description(
      "open a pull request that copies a model's pin from one environment into another (same sha256)",
    )
    .argument("<model>", `the model (${Object.keys(models).join(", ")})`)
    .option("--from <env>", "environment whose pin is promoted", "staging")
    .option("--to <env>", "environment that gets it", "production")
    .option("--base <branch>", "branch the pull request merges into", "main")
    .option("--remote <name>", "remote to push the branch to", "origin")
    .option("--local", "no GitHub: a local branch and .lockstep/promotions/<model>.<env>.md")
    .option(
      "--report-store <uri>",
      "where the monitor's reports are read (default $LOCKSTEP_REPORT_STORE, else the source environment's store)",
    )
    .option(
      "--prometheus <url>",
      "a Prometheus to count the source's requests and 5xx since the pin was merged (default $LOCKSTEP_PROMETHEUS_URL)",
    )
    .option(
      "--replay-sample <uri>",
      "a replay sample of the target's pin: the shadow replay against it (default $LOCKSTEP_REPLAY_SAMPLE_URI)",
    )
    .option("--lock <file>", "lock file in the repository (default $LOCKSTEP_LOCK or ./models.lock.json)")
    .option("--json", "print the outcome as JSON")
    .action(async (model: string, options) => {
      await promote(model, options, out);
    });

  program
    .command("revert")
    .description(
      "open a pull request that restores a model's previous pin in an environment from git history",
    )
    .argument("<model>", `the model (${Object.keys(models).join(", ")})`)
    .option("--env <name>", "environment whose pin failed", "staging")
    .option("--analysis <text>", "the failed analysis for the pull request's body (or @file)")
    .option(
      "--reason <why>",
      "canary (Argo Rollouts aborted it) or realised (lockstep watch found it worse)",
      "canary",
    )
    .option("--base <branch>", "branch the pull request merges into", "main")
    .option("--remote <name>", "remote to push the branch to", "origin")
    .option("--local", "no GitHub: a local branch and .lockstep/reverts/<model>.<env>.md")
    .option("--lock <file>", "lock file in the repository (default $LOCKSTEP_LOCK or ./models.lock.json)")
    .option("--json", "print the outcome as JSON")
    .action(async (model: string, options) => {
      await revert(model, options, out);
    });

  program
    .command("watch")
    .description(
      "after a pin fully rolled out: it and the previous pin answer the same new data; when its realised metric is worse beyond the tolerance, open the revert pull request (or an issue); exit 1",
    )
    .argument("<model>", `the model (${Object.keys(models).join(", ")})`)
    .option("--env <name>", "the environment whose pin is watched (default $LOCKSTEP_ENV or staging)")
    .option("--data <uri>", "new data with the truth that arrived: file://, https://, s3://, npm: or a path")
    .option("--config <file>", "the watch settings (default lockstep.watch.json beside the lock, when there)")
    .option("--action <what>", "pull-request, issue or none (default: the config's, else pull-request)")
    .option("--base <branch>", "branch the revert pull request merges into", "main")
    .option("--remote <name>", "remote to push the revert branch to", "origin")
    .option("--local", "no GitHub: the revert as a local branch")
    .option("--lock <file>", "lock file in the repository (default $LOCKSTEP_LOCK or ./models.lock.json)")
    .option("--json", "print the outcome as JSON")
    .action(async (model: string, options) => {
      state.code = (await watch(model, options, out)).exitCode;
    });

  program
    .command("release")
    .description(
      "open a pull request that deploys a new inference image (by digest) and re-renders every workload",
    )
    .argument("<digest>", "the pushed image's digest, sha256:<64 hex>")
    .option("--base <branch>", "branch the pull request merges into", "main")
    .option("--remote <name>", "remote to push the branch to", "origin")
    .option("--local", "no GitHub: a local branch and .lockstep/releases/inference.md")
    .option("--lock <file>", "lock file in the repository (default $LOCKSTEP_LOCK or ./models.lock.json)")
    .option("--json", "print the outcome as JSON")
    .action(async (digest: string, options) => {
      await release(digest, options, out);
    });
}
