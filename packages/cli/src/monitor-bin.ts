// The image's `lockstep`: only `monitor` and `canary-judge`, so the bundle holds no training, git or GitHub code.
import { Command } from "commander";
import { canaryJudgeCommand } from "./commands/canary-judge.js";
import { monitorCommand } from "./commands/monitor-command.js";
import { consoleOutput } from "./output.js";
import { runProgram } from "./run-program.js";
import { VERSION } from "./version.js";

const out = consoleOutput();
const { exitCode } = await runProgram(
  (state) => {
    const program = new Command("lockstep")
      .description("Lockstep in the inference image: monitor a pinned model, judge a canary")
      .version(VERSION, "-V, --version", "print the version")
      .option("--verbose", "print stack traces on errors")
      .showHelpAfterError("(run with --help for usage)")
      .exitOverride();
    program.addCommand(monitorCommand(out, state));
    return program.addCommand(canaryJudgeCommand(out, state));
  },
  process.argv.slice(2),
  out,
);
if (exitCode !== "running") process.exitCode = exitCode;
