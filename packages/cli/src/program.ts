import { Command, Option } from "commander";
import { models } from "@lockstep/models";
import { demo } from "./commands/demo.js";
import { lockDiff, lockShow, lockValidate } from "./commands/lock.js";
import { propose } from "./commands/propose.js";
import { promote, release, revert } from "./commands/change-requests.js";
import { render } from "./commands/render.js";
import { serve } from "./commands/serve.js";
import { train } from "./commands/train.js";
import { dataPull } from "./commands/data.js";
import { verify } from "./commands/verify.js";
import { monitorCommand } from "./commands/monitor-command.js";
import { canaryJudgeCommand } from "./commands/canary-judge.js";
import { replayCommands } from "./commands/replay.js";
import { runsCommand } from "./commands/runs.js";
import { watch } from "./commands/watch.js";
import { doctorGithub } from "./commands/doctor.js";
import { bootstrap } from "./commands/bootstrap.js";
import { runProgram, type RunResult } from "./run-program.js";
import { VERSION } from "./version.js";
import { consoleOutput, type Output } from "./output.js";

export type { RunResult };

function buildProgram(out: Output, state: { code: number | "running" }): Command {
  const program = new Command("lockstep")
    .description(
      "GitOps MLOps: train models to ONNX, pin them by SHA-256 in models.lock.json, serve exactly the pin",
    )
    .version(VERSION, "-V, --version", "print the version")
    .option("--verbose", "print stack traces on errors")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();

  program
    .command("train")
    .description("train a model, store its ONNX artifact, write a report and a candidate pin")
    .argument("<model>", `the model (${Object.keys(models).join(", ")})`)
    .option(
      "--data <uri>",
      "data: file://, https://, s3://, npm:<package>/<file> or a path (default: the model's own)",
    )
    .option("--params <json>", "params as a JSON object, or @file.json (merged over the model's defaults)")
    .option(
      "--store <uri>",
      "artifact store: file://DIR or s3://bucket/prefix (default $LOCKSTEP_STORE or file://.lockstep/store)",
    )
    .option("--env <name>", "environment whose pin the candidate is gated against", "staging")
    .option("--lock <file>", "lock file (default $LOCKSTEP_LOCK or ./models.lock.json)")
    .option("--pin", "write the candidate into the lock when it passes the gate")
    .option("--report <file>", "where to write the Markdown report (default .lockstep/reports/)")
    .option(
      "--snapshot",
      "store the data read under data/sha256/ in the store and name it in the pin (default on when CI=true, or $LOCKSTEP_SNAPSHOT)",
    )
    .option("--no-snapshot", "take no data snapshot, even on CI")
    .option(
      "--snapshot-cap <size>",
      "largest data snapshotted, e.g. 256MiB (default $LOCKSTEP_SNAPSHOT_CAP or 256MiB); larger data is recorded as skipped",
    )
    .option("--json", "print the candidate pin and gate verdict as JSON on stdout")
    .action(async (model: string, options) => {
      await train(model, options, out);
    });

  const data = program.command("data").description("the data pins were trained on");
  data
    .command("pull")
    .description("write a pin's training data, from its snapshot in the store, into a folder")
    .argument("<model>", `the model (${Object.keys(models).join(", ")})`)
    .argument("<dir>", "the folder (created; must be empty unless --force)")
    .option("--env <name>", "environment whose pin", "staging")
    .option("--lock <file>", "lock file (default $LOCKSTEP_LOCK or ./models.lock.json)")
    .option("--force", "write into a folder that is not empty (files of the same names are replaced)")
    .option("--json", "print what was written as JSON")
    .action(async (model: string, dir: string, options) => {
      await dataPull(model, dir, options, out);
    });

  program
    .command("propose")
    .description(
      "propose the last trained candidate: commit it on lockstep/<model>/<env> and open or update its pull request",
    )
    .argument("<model>", `the model (${Object.keys(models).join(", ")})`)
    .option("--env <name>", "environment to pin in", "staging")
    .option("--candidate <file>", "candidate file (default .lockstep/candidates/<model>.<env>.json)")
    .option("--report <file>", "training report to include (default the one train wrote)")
    .option("--base <branch>", "branch the pull request merges into", "main")
    .option("--remote <name>", "remote to push the branch to", "origin")
    .option("--local", "no GitHub: a local branch and .lockstep/proposals/<model>.<env>.md")
    .option("--lock <file>", "lock file in the repository (default $LOCKSTEP_LOCK or ./models.lock.json)")
    .option(
      "--replay-sample <uri>",
      "replay this sample through the current pin and the candidate and put the result in the pull request (default $LOCKSTEP_REPLAY_SAMPLE_URI; see lockstep replay --from)",
    )
    .option("--json", "print the outcome as JSON on stdout")
    .action(async (model: string, options) => {
      await propose(model, options, out);
    });

  const lock = program.command("lock").description("validate, show and diff models.lock.json");
  lock
    .command("validate")
    .description("check a lock file against the schema and the gate rules; warn on machine-local URIs")
    .argument("[file]", "lock file (default ./models.lock.json)")
    .option("--strict", "fail (exit 1) on warnings too, as CI does")
    .option("--json", "print the result as JSON")
    .action(async (file: string | undefined, options) => {
      state.code = await lockValidate(file, options, out);
    });
  lock
    .command("show")
    .description("list the pins")
    .argument("[file]", "lock file, or git:REV")
    .option("--json", "print the lock as JSON")
    .action(async (file: string | undefined, options) => {
      state.code = await lockShow(file, options, out);
    });
  lock
    .command("diff")
    .description("show changed pins with metric deltas (default: git:HEAD against the working file)")
    .argument("[before]", "lock file or git:REV (default git:HEAD)")
    .argument("[after]", "lock file or git:REV (default ./models.lock.json)")
    .option("--json", "print the changes as JSON")
    .option("--exit-code", "exit 1 when any pin changed")
    .action(async (before: string | undefined, after: string | undefined, options) => {
      state.code = await lockDiff(before, after, options, out);
    });

  program
    .command("verify")
    .description(
      "verify the pins the lock adds or changes: artifact SHA-256 and size, card, onnxruntime, golden inputs",
    )
    .argument("[base]", "the lock to compare against: a file or git:REV (default git:HEAD)")
    .option("--lock <file>", "lock file (default $LOCKSTEP_LOCK or ./models.lock.json)")
    .option("--all", "verify every pin, not only the changed ones")
    .option(
      "--reproduce",
      "also re-run each pin's recorded evaluation (trains again with its params and seed)",
    )
    .option(
      "--tolerance <relative>",
      "how far a re-run metric may be from the pin, e.g. 0.01 or 1% (default 1%)",
    )
    .option(
      "--data <model=uri>",
      "read a model's evaluation data from here instead of the pinned dataset (repeatable)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option("--head <rev>", "verify the lock at this git revision (read as data), not the working file")
    .option(
      "--report-store <uri>",
      "where promotionRequires reads the source's monitor reports (default $LOCKSTEP_REPORT_STORE, else its store)",
    )
    .option(
      "--deployed",
      "read each pin where its environment's pods load it (lockstep.deploy.json's store), not at its uri",
    )
    .option(
      "--attestation <required|off>",
      "required: each changed pin needs a build-provenance attestation by this repository's train.yml at main (GitHub API: GITHUB_REPOSITORY, GITHUB_TOKEN)",
    )
    .option("--json", "print every check as JSON")
    .action(async (base: string | undefined, options) => {
      state.code = (await verify(base, options, out)).exitCode;
    });

  program.addCommand(monitorCommand(out, state).copyInheritedSettings(program));
  program.addCommand(canaryJudgeCommand(out, state).copyInheritedSettings(program));
  program.addCommand(replayCommands(out, state).copyInheritedSettings(program));
  program.addCommand(runsCommand(out, state).copyInheritedSettings(program));

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

  program
    .command("doctor")
    .description("check what Lockstep's trust model needs of its surroundings")
    .command("github")
    .description(
      "read the repository's settings through the GitHub API (GITHUB_TOKEN) and list what docs/security.md asks that is still open; exit 1 while anything is",
    )
    .option("--repo <owner/name>", "the repository (default $GITHUB_REPOSITORY or lockstep.deploy.json's)")
    .option("--branch <name>", "the default branch (default main)")
    .option("--json", "print every finding as JSON")
    .action(async (options) => {
      state.code = await doctorGithub(options, out);
    });

  program
    .command("serve")
    .description("serve the models pinned for an environment over HTTP")
    .option("--lock <file>", "lock file (default $LOCKSTEP_LOCK or ./models.lock.json)")
    .option("--env <name>", "environment (default $LOCKSTEP_ENV or staging)")
    .option("--port <port>", "port (default $PORT or 8080)")
    .option("--host <host>", "interface to bind", "0.0.0.0")
    .addOption(
      new Option("--log-level <level>", "log level").choices([
        "fatal",
        "error",
        "warn",
        "info",
        "debug",
        "silent",
      ]),
    )
    .action(async (options) => {
      await serve(options, out);
      state.code = "running";
    });

  program
    .command("demo")
    .description(
      "serve every pinned model, each as soon as it is ready: rebuild missing artifacts, train unpinned models (what `npm start` runs)",
    )
    .option("--port <port>", "port (default $PORT or 8080)")
    .option("--host <host>", "interface to bind", "0.0.0.0")
    .option("--env <name>", "environment", "staging")
    .option("--lock <file>", "lock file (default $LOCKSTEP_LOCK or ./models.lock.json)")
    .option("--only-pinned", "serve only what the lock pins: train no model that is not pinned yet")
    .action(async (options) => {
      await demo(options, out);
      state.code = "running";
    });

  return program;
}

/** Runs the CLI on `argv` (without node and script). Never throws: errors become messages and exit codes. */
export function run(argv: string[], out: Output = consoleOutput()): Promise<RunResult> {
  return runProgram((state) => buildProgram(out, state), argv, out);
}
