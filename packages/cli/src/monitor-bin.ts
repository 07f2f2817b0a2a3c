// The image's `lockstep`: only `monitor`, so the bundle holds no training, git or GitHub code.
import { Command } from "commander";
import { monitorCommand } from "./commands/monitor-command.js";
import { consoleOutput } from "./output.js";
import { runProgram } from "./run-program.js";
import { VERSION } from "./version.js";

const out = consoleOutput();
const { exitCode } = await runProgram(
  (state) => {
    const program = new Command("lockstep")
      .description("Lockstep in the inference image: monitor a pinned model")
      .version(VERSION, "-V, --version", "print the version")
      .option("--verbose", "print stack traces on errors")
      .showHelpAfterError("(run with --help for usage)")
      .exitOverride();
    return program.addCommand(monitorCommand(out, state).copyInheritedSettings(program));
  },
  process.argv.slice(2),
  out,
);
if (exitCode !== "running") process.exitCode = exitCode;
