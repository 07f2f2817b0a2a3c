import { CommanderError, type Command } from "commander";
import { EXIT, exitCodeOf } from "./errors.js";
import type { Output } from "./output.js";

export interface RunResult {
  /** The exit code, or "running" when a server keeps the process alive. */
  exitCode: number | "running";
}

export interface ProgramState {
  code: number | "running";
}

/**
 * Every command below `parent` takes its settings (exitOverride, the help hint): a command built
 * elsewhere with subcommands of its own got them only at its top, and commander then exited the
 * process itself, with 1, on a usage error in a subcommand.
 */
export function inheritSettings(parent: Command): void {
  for (const sub of parent.commands) {
    sub.copyInheritedSettings(parent);
    inheritSettings(sub);
  }
}

/** Parses `argv` with the program `build` makes. Never throws: errors become messages and exit codes. */
export async function runProgram(
  build: (state: ProgramState) => Command,
  argv: string[],
  out: Output,
): Promise<RunResult> {
  const state: ProgramState = { code: EXIT.ok };
  const program = build(state);
  inheritSettings(program);
  const verbose = argv.includes("--verbose");
  try {
    await program.parseAsync(argv, { from: "user" });
    return { exitCode: state.code };
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version are not errors; commander has already printed its message
      const ok =
        error.code === "commander.helpDisplayed" ||
        error.code === "commander.version" ||
        error.code === "commander.help";
      return { exitCode: ok ? EXIT.ok : EXIT.usage };
    }
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    out.error(`error${typeof code === "string" ? ` [${code}]` : ""}: ${message}`);
    if (verbose && error instanceof Error && error.stack) out.error(error.stack);
    return { exitCode: exitCodeOf(error) };
  }
}
