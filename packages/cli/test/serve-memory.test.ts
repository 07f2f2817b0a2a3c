import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { serve } from "../src/commands/serve.js";
import { exitCodeOf } from "../src/errors.js";
import { capture } from "./capture.js";

const exec = promisify(execFile);
const BIN = resolve(import.meta.dirname, "../bin/lockstep.js");

describe("lockstep serve's memory budget", () => {
  it.each(["lots", "-512Mi", "512MB", "0", "1e9", "64Mi", "512 Mi"])(
    "refuses LOCKSTEP_MEMORY_BUDGET=%j as a usage error before reading the lock",
    async (budget) => {
      const failure = await serve({ lock: "/nonexistent/models.lock.json", port: "0" }, capture(), {
        LOCKSTEP_MEMORY_BUDGET: budget,
      }).catch((error: unknown) => error);
      expect(failure).toMatchObject({
        code: "CONFIG_INVALID",
        message: expect.stringMatching(/LOCKSTEP_MEMORY_BUDGET/),
      });
      expect(exitCodeOf(failure)).toBe(2);
    },
  );

  it("exits 2 from the binary with the typed error and no stack trace", async () => {
    const failure = (await exec("node", [BIN, "serve", "--port", "0"], {
      env: { ...process.env, LOCKSTEP_MEMORY_BUDGET: "half a gig" },
    }).catch((error: unknown) => error)) as { code: number; stderr: string };
    expect(failure.code).toBe(2);
    expect(failure.stderr).toMatch(
      /^error \[CONFIG_INVALID\]: LOCKSTEP_MEMORY_BUDGET must be a memory quantity like 512Mi/,
    );
    expect(failure.stderr).not.toMatch(/\n\s+at /);
  });
});
