// `lockstep train`, `data pull` and `propose`: a model trained into a candidate pin, its training
// data, the candidate proposed as a pull request.
import type { Command } from "commander";
import { models } from "@lockstep/models";
import { dataPull } from "./commands/data.js";
import { propose } from "./commands/propose.js";
import { train } from "./commands/train.js";
import type { Output } from "./output.js";

/** Adds train, data (pull) and propose to `program`, in that order. */
export function addTrainingCommands(program: Command, out: Output): void {
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
}
