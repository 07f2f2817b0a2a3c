import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Vitest global setup: every test file, and every process it spawns, gets a TMPDIR under one
 * directory made for this run, removed when the run ends. Tests that forget to clean up after
 * themselves (or are killed midway) then leave nothing behind in the machine's /tmp.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), "lockstep-test-"));
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
