// `lockstep lock validate|show|diff` and `verify`: reading models.lock.json, and checking the pins it
// adds or changes.
import type { Command } from "commander";
import { lockDiff, lockShow, lockValidate } from "./commands/lock.js";
import { verify } from "./commands/verify.js";
import type { Output } from "./output.js";
import type { ProgramState } from "./run-program.js";

/** Adds lock (validate, show, diff) and verify to `program`, in that order. */
export function addLockCommands(program: Command, out: Output, state: ProgramState): void {
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
}
