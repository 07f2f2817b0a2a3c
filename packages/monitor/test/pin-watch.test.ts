import { describe, expect, it } from "vitest";
import { comparePins, MonitorError, watchSettings, WATCH_DEFAULTS, type PairedRow } from "../src/index.js";

/** Absolute error per row, lower is better: each row's answer is {value}, its truth a number. */
const mae = {
  metric: "mae",
  goal: "minimize" as const,
  score: (rows: { answer: Record<string, unknown>; truth: unknown }[]) =>
    rows.length
      ? rows.reduce((s, r) => s + Math.abs((r.answer.value as number) - (r.truth as number)), 0) / rows.length
      : undefined,
};
const pins = {
  current: { version: "2", sha256: "b".repeat(64) },
  previous: { version: "1", sha256: "a".repeat(64) },
};
const settings = { tolerance: 0.1, minTruth: 30, confidence: 0.95 };
/** n rows with truth 0: the current pin off by `current(i)`, the previous by `previous(i)`. */
const rows = (n: number, current: (i: number) => number, previous: (i: number) => number): PairedRow[] =>
  Array.from({ length: n }, (_, i) => ({
    id: String(i),
    truth: 0,
    current: { value: current(i) },
    previous: { value: previous(i) },
  }));

describe("comparePins", () => {
  it("calls a current pin worse when every paired resample says so, beyond the tolerance", () => {
    const v = comparePins(
      mae,
      pins,
      rows(
        40,
        (i) => 2 + (i % 4),
        (i) => 1 + (i % 4),
      ),
      settings,
    );
    expect(v.status).toBe("worse");
    expect(v.current.value).toBe(3.5);
    expect(v.previous.value).toBe(2.5);
    expect(v.worsening).toBeCloseTo(0.4);
    expect(v.worseShare).toBe(1);
  });

  it("gives no verdict on noise: worse on these rows, but not in the paired resamples", () => {
    // two rows of forty carry the whole difference: resamples without them see the pins equal
    const v = comparePins(
      mae,
      pins,
      rows(
        40,
        (i) => (i < 2 ? 12 : 1),
        () => 1,
      ),
      settings,
    );
    expect(v.worsening).toBeGreaterThan(0.1);
    expect(v.status).toBe("inconclusive");
    expect(v.reason).toMatch(/no verdict on noise/);
  });

  it("is not worse within the tolerance, or when better", () => {
    expect(
      comparePins(
        mae,
        pins,
        rows(
          40,
          () => 1.05,
          () => 1,
        ),
        settings,
      ).status,
    ).toBe("not-worse");
    const better = comparePins(
      mae,
      pins,
      rows(
        40,
        () => 0.5,
        () => 1,
      ),
      settings,
    );
    expect(better.status).toBe("not-worse");
    expect(better.reason).toMatch(/50\.0% better/);
  });

  it("says not enough truth yet below minTruth, and when rows lack their truth", () => {
    const few = comparePins(
      mae,
      pins,
      rows(
        29,
        () => 9,
        () => 1,
      ),
      settings,
    );
    expect(few.status).toBe("not-enough-truth");
    expect(few.reason).toMatch(/29 of the 30 rows/);
    const noTruth = rows(
      40,
      () => 9,
      () => 1,
    ).map(({ truth: _, ...r }) => r);
    const none = comparePins(mae, pins, noTruth, settings);
    expect(none).toMatchObject({ status: "not-enough-truth", truthRows: 0, pairedRows: 40 });
    expect(comparePins(mae, pins, [], settings).status).toBe("not-enough-truth");
  });
});

describe("watchSettings", () => {
  it("takes the defaults, then the file's defaults, then the model's", () => {
    expect(watchSettings(undefined, "co2-forecast")).toEqual(WATCH_DEFAULTS);
    const text = JSON.stringify({
      defaults: { tolerance: 0.2, action: "issue" },
      models: { "co2-forecast": { minTruth: 12, settle: "2h" } },
    });
    expect(watchSettings(text, "co2-forecast")).toEqual({
      ...WATCH_DEFAULTS,
      tolerance: 0.2,
      action: "issue",
      minTruth: 12,
      settleMs: 7_200_000,
    });
    expect(watchSettings(text, "btc-signal").minTruth).toBe(WATCH_DEFAULTS.minTruth);
  });

  it.each([
    ["{", /not JSON/],
    ["[]", /must be an object/],
    [
      JSON.stringify({ models: { "co2-forecast": { tolerance: -1 } } }),
      /\/models\/co2-forecast\/tolerance: must be a number from 0 to 10/,
    ],
    [
      JSON.stringify({ defaults: { minTruth: 1.5, action: "revert" } }),
      /minTruth: must be a whole number[\s\S]*action: must be/,
    ],
    [JSON.stringify({ defaults: { tolerence: 0.1 } }), /tolerence: unknown setting/],
    [JSON.stringify({ defaults: { settle: "soon" } }), /settle: must be a duration/],
    [JSON.stringify({ defaults: { confidence: 1 } }), /confidence: must be a number from 0.5/],
    [JSON.stringify({ model: {} }), /\/model: unknown key/],
    [JSON.stringify({ models: [] }), /\/models: must be an object/],
  ])("refuses a malformed config %s", (text, message) => {
    expect(() => watchSettings(text, "co2-forecast")).toThrow(MonitorError);
    expect(() => watchSettings(text, "co2-forecast")).toThrow(message);
  });
});
