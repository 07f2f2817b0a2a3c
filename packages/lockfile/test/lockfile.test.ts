import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  applyGate,
  bumpPin,
  diffLock,
  emptyLock,
  LockError,
  nextVersion,
  parseLock,
  readLock,
  serializeLock,
  writeLock,
  type LockFile,
  type Pin,
} from "../src/index.js";

const sha = (c: string) => c.repeat(64);

function pin(overrides: Partial<Pin> = {}): Pin {
  return {
    version: "1",
    sha256: sha("a"),
    bytes: 1234,
    uri: `file://.lockstep/store/sha256/${sha("a")}`,
    metrics: { mape: 0.2, rmse: 1.1 },
    evaluation: { protocol: "rolling-origin backtest", datasetSha256: sha("b") },
    trainedAt: "2026-11-24T10:00:00Z",
    source: { commit: "0123456789abcdef0123456789abcdef01234567" },
    ...overrides,
  };
}

function lock(): LockFile {
  return bumpPin(emptyLock(), "co2-forecast", "staging", pin(), {
    metric: "mape",
    goal: "minimize",
    minImprovement: 0,
  });
}

function issuesOf(text: string): { pointer: string; message: string }[] {
  try {
    parseLock(text);
  } catch (error) {
    expect(error).toBeInstanceOf(LockError);
    return [...(error as LockError).issues];
  }
  throw new Error("expected the lock to be rejected");
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests edit arbitrary JSON paths
function mutate(edit: (value: any) => void): string {
  const value = JSON.parse(serializeLock(lock()));
  edit(value);
  return JSON.stringify(value);
}

describe("parse and validate", () => {
  it("accepts a valid lock", () => {
    expect(parseLock(serializeLock(lock())).models["co2-forecast"]!.pins.staging!.version).toBe("1");
  });

  it("names the pointer of a bad sha256", () => {
    const issues = issuesOf(mutate((v) => (v.models["co2-forecast"].pins.staging.sha256 = "XYZ")));
    expect(issues).toEqual([
      {
        pointer: "/models/co2-forecast/pins/staging/sha256",
        message: 'expected a SHA-256 as 64 lowercase hex characters, found "XYZ"',
      },
    ]);
  });

  it("rejects an unknown lockfileVersion", () => {
    const issues = issuesOf(mutate((v) => (v.lockfileVersion = 2)));
    expect(issues[0]).toEqual({
      pointer: "/lockfileVersion",
      message: "expected lockfileVersion 1, found 2",
    });
  });

  it("requires the gate metric among each pin's metrics", () => {
    const issues = issuesOf(mutate((v) => delete v.models["co2-forecast"].pins.staging.metrics.mape));
    expect(issues[0]!.pointer).toBe("/models/co2-forecast/pins/staging/metrics");
    expect(issues[0]!.message).toContain('gate metric "mape"');
  });

  it("rejects non-finite numbers (1e999 parses to Infinity)", () => {
    const text = serializeLock(lock()).replace('"mape": 0.2', '"mape": 1e999');
    const issues = issuesOf(text);
    expect(issues).toContainEqual({
      pointer: "/models/co2-forecast/pins/staging/metrics/mape",
      message: "expected a finite number, found Infinity",
    });
  });

  it("rejects unknown keys at every level", () => {
    const issues = issuesOf(
      mutate((v) => {
        v.extra = 1;
        v.models["co2-forecast"].pins.staging.surprise = true;
      }),
    );
    expect(issues).toContainEqual({ pointer: "/", message: 'unknown key "extra"' });
    expect(issues).toContainEqual({
      pointer: "/models/co2-forecast/pins/staging",
      message: 'unknown key "surprise"',
    });
  });

  it("rejects wrong shapes and hostile keys", () => {
    expect(issuesOf("[]")[0]!.message).toMatch(/expected a value of type object, found an array/);
    expect(issuesOf('{"lockfileVersion":1,"models":{"__proto__":{}}}')[0]!.pointer).toBe("/models/__proto__");
    expect(issuesOf('{"lockfileVersion":1,"models":{"../etc":{}}}')[0]!.message).toContain(
      'invalid key "../etc"',
    );
    const bytes = issuesOf(mutate((v) => (v.models["co2-forecast"].pins.staging.bytes = -3)));
    expect(bytes[0]!.pointer).toBe("/models/co2-forecast/pins/staging/bytes");
    const gate = issuesOf(mutate((v) => (v.models["co2-forecast"].gate.goal = "max")));
    expect(gate[0]!.message).toBe('expected "minimize" or "maximize", found "max"');
    const uri = issuesOf(mutate((v) => (v.models["co2-forecast"].pins.staging.uri = "ftp://x")));
    expect(uri[0]!.pointer).toBe("/models/co2-forecast/pins/staging/uri");
  });

  it("takes an optional data snapshot in the evaluation, written after datasetSha256, and refuses a malformed one", () => {
    const snapshot = `sha256:${sha("c")}`;
    const withSnapshot = bumpPin(
      emptyLock(),
      "co2-forecast",
      "staging",
      pin({ evaluation: { ...pin().evaluation, dataSnapshot: snapshot, folds: { mape: [0.1] } } }),
      { metric: "mape", goal: "minimize", minImprovement: 0 },
    );
    const text = serializeLock(withSnapshot);
    expect(text).toContain(
      `"datasetSha256": "${sha("b")}",\n            "dataSnapshot": "${snapshot}",\n            "folds"`,
    );
    expect(serializeLock(parseLock(text))).toBe(text);
    expect(serializeLock(lock())).not.toContain("dataSnapshot");
    for (const bad of [sha("c"), `md5:${sha("c")}`, `sha256:${sha("C")}`, `sha256:${sha("c")}/../x`]) {
      const issues = issuesOf(
        mutate((v) => (v.models["co2-forecast"].pins.staging.evaluation.dataSnapshot = bad)),
      );
      expect(issues).toEqual([
        {
          pointer: "/models/co2-forecast/pins/staging/evaluation/dataSnapshot",
          message: expect.stringMatching(/^expected a data snapshot as sha256:<64 lowercase hex>/),
        },
      ]);
    }
  });

  it("reports malformed JSON with a position", () => {
    expect(() => parseLock('{"lockfileVersion": 1,\n  "models": {,}}')).toThrow(/not valid JSON at line 2/);
  });

  it("refuses oversized input", () => {
    expect(() => parseLock(" ".repeat(5 * 1024 * 1024))).toThrow(
      expect.objectContaining({ code: "LOCK_TOO_LARGE" }),
    );
  });
});

describe("write", () => {
  it("read -> write is byte-identical, with sorted keys and a trailing newline", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lock-"));
    const path = join(dir, "models.lock.json");
    const shuffled = bumpPin(lock(), "alpha", "production", pin({ metrics: { z: 1, mape: 2, a: 3 } }), {
      minImprovement: 0.5,
      goal: "maximize",
      metric: "a",
    });
    await writeLock(path, shuffled);
    const first = await readFile(path, "utf8");
    expect(first.endsWith("}\n")).toBe(true);
    expect(first.indexOf('"alpha"')).toBeLessThan(first.indexOf('"co2-forecast"'));
    expect(first).toContain(
      '"metrics": {\n            "a": 3,\n            "mape": 2,\n            "z": 1\n',
    );
    await writeLock(path, await readLock(path));
    expect(await readFile(path, "utf8")).toBe(first);
  });

  it("refuses to write an invalid lock", () => {
    const bad = lock();
    bad.models["co2-forecast"]!.pins.staging!.sha256 = "nope";
    expect(() => serializeLock(bad)).toThrow(LockError);
  });

  it("reports a missing file", async () => {
    await expect(readLock("/nonexistent/models.lock.json")).rejects.toMatchObject({ code: "LOCK_NOT_FOUND" });
  });

  it("refuses hostile lock text with a LockError: deep nesting, quoting the text back", () => {
    const refused = (text: string) => {
      try {
        parseLock(text);
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const deep = refused(
      `{"lockfileVersion":1,"models":{"m":${'{"a":'.repeat(200_000)}1${"}".repeat(200_000)}}}`,
    );
    expect(deep).toBeInstanceOf(LockError); // not a RangeError from a stack overflow
    expect(deep).toMatchObject({ code: "LOCK_PARSE", message: expect.stringMatching(/deeper than 32/) });
    const token = refused('{"lockfileVersion": SECRET_token_value_here}') as Error;
    expect(token).toMatchObject({ code: "LOCK_PARSE" });
    expect(token.message).not.toContain("SECRET");
  });

  it("reports a file that is not JSON", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lock-"));
    await writeFile(join(dir, "l.json"), "\u0000\u0001binary");
    await expect(readLock(join(dir, "l.json"))).rejects.toMatchObject({ code: "LOCK_PARSE" });
  });
});

describe("gate, diff and bump", () => {
  const gate = { metric: "mape", goal: "minimize" as const, minImprovement: 0.01 };

  it("applies the gate margin in both directions", () => {
    expect(applyGate(gate, { mape: 0.1 }).better).toBe(true);
    expect(applyGate(gate, { mape: 0.18 }, { mape: 0.2 }).better).toBe(true);
    expect(applyGate(gate, { mape: 0.195 }, { mape: 0.2 }).better).toBe(false);
    expect(applyGate(gate, { mape: 0.2 }, { mape: 0.2 }).better).toBe(false);
    expect(applyGate({ ...gate, goal: "maximize" }, { mape: 0.3 }, { mape: 0.2 }).better).toBe(true);
    expect(applyGate(gate, { rmse: 1 }, { mape: 0.2 })).toMatchObject({ better: false });
  });

  it("diffs pins with metric deltas and the gate verdict", () => {
    const before = lock();
    const after = bumpPin(
      before,
      "co2-forecast",
      "staging",
      pin({ version: "2", sha256: sha("c"), metrics: { mape: 0.15 } }),
    );
    const added = bumpPin(after, "co2-forecast", "production", pin());
    const changes = diffLock(before, added);
    expect(changes.map((c) => [c.environment, c.status, c.gateImproved])).toEqual([
      ["production", "added", undefined],
      ["staging", "changed", true],
    ]);
    const staging = changes[1]!;
    expect(staging.metrics).toEqual([
      { name: "mape", before: 0.2, after: 0.15, delta: expect.closeTo(-0.05, 12) },
      { name: "rmse", before: 1.1, after: undefined, delta: undefined },
    ]);
    expect(diffLock(added, before).find((c) => c.environment === "production")!.status).toBe("removed");
    expect(diffLock(before, before)).toEqual([]);
  });

  it("bumps without mutating and numbers versions", () => {
    const before = lock();
    const after = bumpPin(
      before,
      "co2-forecast",
      "production",
      pin({ version: nextVersion(before, "co2-forecast") }),
    );
    expect(before.models["co2-forecast"]!.pins.production).toBeUndefined();
    expect(after.models["co2-forecast"]!.pins.production!.version).toBe("2");
    expect(nextVersion(after, "unknown")).toBe("1");
    // a version only the history holds (taken out by a revert) is never reused; its artifact keeps it
    const reverted = pin({ version: "7", sha256: "e".repeat(64) });
    const history = [bumpPin(before, "co2-forecast", "production", reverted)];
    expect(nextVersion(after, "co2-forecast", "f".repeat(64), history)).toBe("8");
    expect(nextVersion(after, "co2-forecast", "e".repeat(64), history)).toBe("7");
    expect(() => bumpPin(before, "new-model", "staging", pin())).toThrow(/gate must be given/);
  });

  it("names an artifact with one version: the same sha256 keeps its version in every environment", () => {
    const before = lock();
    expect(nextVersion(before, "co2-forecast", sha("a"))).toBe("1");
    expect(nextVersion(before, "co2-forecast", sha("b"))).toBe("2");
    const promoted = bumpPin(
      before,
      "co2-forecast",
      "production",
      pin({ version: nextVersion(before, "co2-forecast", sha("a")) }),
    );
    expect(promoted.models["co2-forecast"]!.pins.production!.version).toBe("1");
    expect(nextVersion(promoted, "co2-forecast", sha("c"))).toBe("2");
  });
});
