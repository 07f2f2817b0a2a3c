import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { configFromEnv } from "../src/index.js";

const MODULE = resolve(import.meta.dirname, "../src/memory/gc-tuning.ts");

/** Runs tuneGarbageCollection in a fresh node and returns what it wrote to stderr. */
function tuneIn(pretenuring: boolean): string {
  const script = `const { tuneGarbageCollection } = await import(${JSON.stringify(MODULE)}); tuneGarbageCollection(${pretenuring});`;
  const run = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    encoding: "utf8",
  });
  expect(run.status).toBe(0);
  // V8 reports a flag it does not know on stderr ("Error: unrecognized flag") and goes on
  return run.stderr;
}

describe("V8's allocation-site pretenuring", () => {
  it("is off by default and on with LOCKSTEP_V8_PRETENURING=on", () => {
    expect(configFromEnv({}).pretenuring).toBe(false);
    expect(configFromEnv({ LOCKSTEP_V8_PRETENURING: "on" }).pretenuring).toBe(true);
    expect(configFromEnv({ LOCKSTEP_V8_PRETENURING: " OFF " }).pretenuring).toBe(false);
  });

  it.each(["yes", "1", "--no-allocation-site-pretenuring", "x".repeat(10_000)])(
    "refuses LOCKSTEP_V8_PRETENURING=%s",
    (value) => {
      expect(() => configFromEnv({ LOCKSTEP_V8_PRETENURING: value })).toThrow(
        /LOCKSTEP_V8_PRETENURING must be on or off/,
      );
    },
  );

  it.each([false, true])("is a flag this node's V8 knows (pretenuring %s)", (pretenuring) => {
    expect(tuneIn(pretenuring)).toBe("");
  });
});
