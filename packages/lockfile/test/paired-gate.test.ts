import { describe, expect, it } from "vitest";
import {
  applyGate,
  applyPinGate,
  bumpPin,
  diffLock,
  emptyLock,
  lockIssues,
  pairedEvidence,
  serializeLock,
  type Gate,
  type Pin,
  type Scored,
} from "../src/index.js";

const sha = (c: string) => c.repeat(64);
const AUC: Gate = { metric: "auc", goal: "maximize", minImprovement: 0, minStandardErrors: 2 };
const MAPE: Gate = { metric: "mape_h12", goal: "minimize", minImprovement: 0, minStandardErrors: 2 };

const scored = (
  metric: string,
  value: number,
  folds?: number[],
  data = "b",
  protocol = "walk-forward",
): Scored => ({
  metrics: { [metric]: value },
  evaluation: { protocol, datasetSha256: sha(data), ...(folds ? { folds: { [metric]: folds } } : {}) },
});

// the pin and a candidate that differs only by its seed: a higher pooled AUC, per-fold gains of
// both signs (the issue's btc-signal seed 11 against seed 0: 0.543 against 0.497)
const PIN = scored("auc", 0.497, [0.52, 0.47, 0.55, 0.46, 0.49]);
const LUCKY_SEED = scored("auc", 0.543, [0.6, 0.44, 0.61, 0.45, 0.58]);
const BETTER_MODEL = scored("auc", 0.531, [0.55, 0.5, 0.58, 0.49, 0.53]);

describe("the paired gate", () => {
  it("refuses a gain inside the folds' own spread that the metric alone calls an improvement", () => {
    expect(applyGate(AUC, LUCKY_SEED.metrics, PIN.metrics).better).toBe(true);
    const verdict = applyPinGate(AUC, LUCKY_SEED, PIN);
    expect(verdict.better).toBe(false);
    expect(verdict.paired!.gains.map((g) => Number(g.toFixed(2)))).toEqual([0.08, -0.03, 0.06, -0.01, 0.09]);
    expect(verdict.paired!.mean).toBeCloseTo(0.038, 6);
    expect(verdict.paired!.standardError).toBeCloseTo(0.0242, 3);
    expect(verdict.reason).toMatch(/not beyond 2 standard errors: within the folds' own spread/);
  });

  it("passes a gain every fold shows", () => {
    const verdict = applyPinGate(AUC, BETTER_MODEL, PIN);
    expect(verdict.better).toBe(true);
    expect(verdict.paired!.gains.every((g) => g > 0)).toBe(true);
    expect(verdict.reason).toMatch(/auc 0.4970 -> 0.5310: higher by 0.03400.*beyond 2 standard errors/);
  });

  it("with k = 0 asks only that the mean per-fold gain be positive", () => {
    expect(applyPinGate({ ...AUC, minStandardErrors: 0 }, LUCKY_SEED, PIN).better).toBe(true);
  });

  it("reads a minimised metric's gain as a fall", () => {
    const pin = scored("mape_h12", 0.11, [0.1, 0.12, 0.11, 0.1, 0.12], "c", "rolling-origin");
    const lower = scored("mape_h12", 0.1, [0.09, 0.11, 0.1, 0.09, 0.11], "c", "rolling-origin");
    expect(pairedEvidence(MAPE, [0.09, 0.11], [0.1, 0.12]).gains.map((g) => Number(g.toFixed(6)))).toEqual([
      0.01, 0.01,
    ]);
    expect(applyPinGate(MAPE, lower, pin).better).toBe(true);
    expect(applyPinGate(MAPE, pin, lower).better).toBe(false);
  });

  it.each([
    ["the pin records no per-fold auc", scored("auc", 0.497)],
    ["the candidate was evaluated on other data", scored("auc", 0.497, [0.5, 0.5, 0.5, 0.5, 0.5], "x")],
    [
      "the candidate was evaluated by another protocol",
      scored("auc", 0.497, [0.5, 0.5, 0.5, 0.5, 0.5], "b", "other"),
    ],
    ["5 folds against the pin's 4", scored("auc", 0.497, [0.5, 0.5, 0.5, 0.5])],
  ])("falls back to the metric and says why when not paired: %s", (why, pin) => {
    const verdict = applyPinGate(AUC, LUCKY_SEED, pin);
    expect(verdict.unpaired).toBe(why);
    expect(verdict.better).toBe(true);
    expect(verdict.reason).toContain(`(not paired: ${why})`);
  });

  it("says so when the candidate reports no folds", () => {
    expect(applyPinGate(AUC, scored("auc", 0.6), PIN).unpaired).toBe("the candidate reports no per-fold auc");
  });

  it("is the metric gate when the model's gate does not ask for pairing, or for a first pin", () => {
    const plain: Gate = { metric: "auc", goal: "maximize", minImprovement: 0 };
    expect(applyPinGate(plain, LUCKY_SEED, PIN)).toEqual(applyGate(plain, LUCKY_SEED.metrics, PIN.metrics));
    expect(applyPinGate(AUC, LUCKY_SEED).reason).toBe("no current pin: the first candidate wins");
  });

  it("decides the lock diff's gate column", () => {
    const pin = (s: Scored, hex: string): Pin => ({
      version: hex,
      sha256: sha(hex),
      bytes: 1,
      uri: `file://.lockstep/store/sha256/${sha(hex)}`,
      metrics: s.metrics,
      evaluation: s.evaluation as Pin["evaluation"],
      trainedAt: "2026-12-07T00:00:00Z",
      source: {},
    });
    const before = bumpPin(emptyLock(), "btc-signal", "staging", pin(PIN, "1"), AUC);
    const after = bumpPin(before, "btc-signal", "staging", pin(LUCKY_SEED, "2"), AUC);
    expect(diffLock(before, after)[0]!.gateImproved).toBe(false);
    // the lock holds the folds and the gate's k, and reads back valid
    expect(lockIssues(JSON.parse(serializeLock(after)))).toEqual([]);
  });
});

describe("folds and k in the lock schema", () => {
  const lockWith = (edit: (pin: Record<string, unknown>, gate: Record<string, unknown>) => void) => {
    const value = JSON.parse(
      serializeLock(
        bumpPin(
          emptyLock(),
          "btc-signal",
          "staging",
          {
            version: "1",
            sha256: sha("a"),
            bytes: 1,
            uri: `file://.lockstep/store/sha256/${sha("a")}`,
            metrics: { auc: 0.5 },
            evaluation: { protocol: "p", datasetSha256: sha("b"), folds: { auc: [0.5, 0.6] } },
            trainedAt: "2026-12-07T00:00:00Z",
            source: {},
          },
          AUC,
        ),
      ),
    ) as {
      models: Record<
        string,
        { gate: Record<string, unknown>; pins: Record<string, Record<string, unknown>> }
      >;
    };
    const model = value.models["btc-signal"]!;
    edit(model.pins.staging!, model.gate);
    return lockIssues(value).map((i) => `${i.pointer}: ${i.message}`);
  };
  const folds = (pin: Record<string, unknown>) =>
    (pin.evaluation as { folds: Record<string, unknown> }).folds;

  it("takes well-formed folds and k", () => {
    expect(lockWith(() => {})).toEqual([]);
  });

  it.each<[string, (pin: Record<string, unknown>, gate: Record<string, unknown>) => void, RegExp]>([
    [
      "a string among the values",
      (p) => (folds(p).auc = [0.5, "0.6"]),
      /folds\/auc\/1: expected a value of type number/,
    ],
    ["an empty list", (p) => (folds(p).auc = []), /folds\/auc: must NOT have fewer than 1 items/],
    [
      "1,001 folds",
      (p) => (folds(p).auc = Array(1001).fill(0.5)),
      /folds\/auc: must NOT have more than 1000 items/,
    ],
    [
      "17 metrics",
      (p) => {
        for (let i = 0; i < 17; i++) folds(p)[`m${i}`] = [1];
      },
      /folds: must NOT have more than 16 properties/,
    ],
    ["a hostile key", (p) => (folds(p)["../../etc"] = [1]), /invalid key "..\/..\/etc"/],
    [
      "an object for the list",
      (p) => (folds(p).auc = { 0: 0.5 }),
      /folds\/auc: expected a value of type array/,
    ],
    [
      "a negative k",
      (_p, g) => (g.minStandardErrors = -1),
      /minStandardErrors: expected a number from 0 to 10/,
    ],
    ["a k of 11", (_p, g) => (g.minStandardErrors = 11), /minStandardErrors: expected a number from 0 to 10/],
    [
      "k as a string",
      (_p, g) => (g.minStandardErrors = "2"),
      /minStandardErrors: expected a value of type number/,
    ],
  ])("refuses %s, naming where", (_what, edit, message) => {
    expect(lockWith(edit).join("\n")).toMatch(message);
  });

  it("refuses an infinite fold value (1e999 parses to Infinity)", () => {
    expect(lockWith((p) => (folds(p).auc = [0.5, Number.POSITIVE_INFINITY])).join("\n")).toMatch(
      /folds\/auc\/1: expected a finite number/,
    );
  });
});
