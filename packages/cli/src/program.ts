import { Command, Option } from "commander";
import { demo } from "./commands/demo.js";
import { serve } from "./commands/serve.js";
import { monitorCommand } from "./commands/monitor-command.js";
import { canaryJudgeCommand } from "./commands/canary-judge.js";
import { replayCommands } from "./commands/replay.js";
import { runsCommand } from "./commands/runs.js";
import { doctorGithub } from "./commands/doctor.js";
import { addChangeRequestCommands } from "./change-request-commands.js";
import { addDeployCommands } from "./deploy-commands.js";
import { addLockCommands } from "./lock-commands.js";
import { addTrainingCommands } from "./training-commands.js";
import { runProgram, type RunResult } from "./run-program.js";
import { VERSION } from "./version.js";
import { consoleOutput, type Output } from "./output.js";

export type { RunResult };

/** The whole command tree (run() parses with it; tests walk it). */
export function buildProgram(out: Output, state: { code: number | "running" }): Command {
  const program = new Command("lockstep")
    .description(
      "GitOps MLOps: train models to ONNX, pin them by SHA-256 in models.lock.json, serve exactly the pin",
    )
    .version(VERSION, "-V, --version", "print the version")
    .option("--verbose", "print stack traces on errors")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();

  // the commands are added in the order --help lists them
  addTrainingCommands(program, out);
  addLockCommands(program, out, state);

  program.addCommand(monitorCommand(out, state));
  program.addCommand(canaryJudgeCommand(out, state));
  program.addCommand(replayCommands(out, state));
  program.addCommand(runsCommand(out, state));

  addDeployCommands(program, out, state);
  addChangeRequestCommands(program, out, state);

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
