import type { Command } from "commander";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { run } from "../src/index.js";
import { buildProgram } from "../src/program.js";
import { inheritSettings } from "../src/run-program.js";
import { capture } from "./capture.js";

/** Every command that runs something, as the words that reach it: ["runs", "list"], … */
function leaves(command: Command, path: string[] = []): string[][] {
  if (command.commands.length === 0) return [path];
  return command.commands.flatMap((sub) => leaves(sub, [...path, sub.name()]));
}

const program = buildProgram(capture(), { code: 0 });
const paths = leaves(program);

describe("a usage error anywhere in the command tree", () => {
  let written: string[];
  beforeEach(() => {
    written = [];
    // commander prints its usage errors itself, on stderr
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (written.push(String(chunk)), true));
  });
  afterEach(() => vi.restoreAllMocks());

  it("reaches every command", () => {
    expect(paths.length).toBeGreaterThan(20);
    expect(paths).toContainEqual(["runs", "list"]);
    expect(paths).toContainEqual(["replay", "export"]);
  });

  it.each(paths.map((path) => [path.join(" "), path]))(
    "lockstep %s --no-such-option exits 2 with the help hint, never exiting the process",
    async (_, path) => {
      const exit = vi.spyOn(process, "exit").mockImplementation((() => {
        throw new Error("process.exit called");
      }) as never);
      const result = await run([...(path as string[]), "--no-such-option"], capture());
      expect(exit).not.toHaveBeenCalled();
      expect(result.exitCode).toBe(2);
      expect(written.join("")).toMatch(/\(run with --help for usage\)/);
    },
  );

  it("gives settings to commands added below commands built elsewhere", () => {
    const tree = buildProgram(capture(), { code: 0 });
    inheritSettings(tree);
    const list = tree.commands.find((c) => c.name() === "runs")!.commands.find((c) => c.name() === "list")!;
    expect(() => list.parse(["--no-such-option"], { from: "user" })).toThrow(/unknown option/);
  });
});
