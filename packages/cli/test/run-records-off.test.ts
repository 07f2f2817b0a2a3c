import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Candidate } from "@lockstep/models";
import { recordCandidate, runRecordsOff } from "../src/run-record.js";

describe("LOCKSTEP_RUN_RECORDS", () => {
  it.each([
    ["off", true],
    ["OFF", true],
    ["0", true],
    ["false", true],
    ["no", true],
    ["on", false],
    ["", false],
    ["offf", false],
  ])("%j turns run records off: %s", (value, off) => {
    expect(runRecordsOff({ LOCKSTEP_RUN_RECORDS: value })).toBe(off);
  });

  it("writes nothing, and reads nothing of the candidate, when off", async () => {
    const baseDir = await mkdtemp(join(tmpdir(), "lockstep-runs-off-"));
    const warnings: string[] = [];
    // a candidate that throws on any read: off must return before looking at it
    const candidate = new Proxy({} as Candidate, {
      get: () => {
        throw new Error("read the candidate");
      },
    });
    const outcome = await recordCandidate(
      candidate,
      { kind: "train", environment: "staging", store: "file://.lockstep/store", baseDir, seconds: 1 },
      { warn: (m: string) => warnings.push(m) },
      { LOCKSTEP_RUN_RECORDS: "off" },
    );
    expect(outcome).toBeUndefined();
    expect(warnings).toEqual([]);
    expect(await readdir(baseDir)).toEqual([]);
    // on: the same call reads the candidate (and so fails here), which is what off skips
    await expect(
      recordCandidate(
        candidate,
        { kind: "train", environment: "staging", store: "file://.lockstep/store", baseDir, seconds: 1 },
        { warn: (m: string) => warnings.push(m) },
        {},
      ),
    ).rejects.toThrow(/read the candidate/);
  });
});
