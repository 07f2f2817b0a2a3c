import { describe, expect, it } from "vitest";
import { bumpPin } from "@lockstep/lockfile";
import type { LockFile, Pin } from "@lockstep/lockfile";
import { DeployError, pinAge, promotePin, promotionViolations, revertPin } from "../src/index.js";
import { bumpedPin, committedConfig, committedLock } from "./fixtures.js";

const lock = committedLock();
const staging = lock.models["co2-forecast"]!.pins.staging!;

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DeployError);
    return `${(error as DeployError).code}: ${(error as Error).message}`;
  }
  throw new Error("not refused");
}

describe("promotePin", () => {
  it("copies the staging pin into production exactly: same artifact, sha256, version and metrics", () => {
    const { lock: promoted, pin, replaced } = promotePin(lock, "co2-forecast", "staging", "production");
    expect(promoted.models["co2-forecast"]!.pins.production).toEqual(staging);
    expect(pin).toEqual(staging);
    expect(replaced).toBeUndefined();
    expect(Object.keys(promoted.models["co2-forecast"]!.pins)).toEqual(["production", "staging"]);
    // nothing else moves
    expect(promoted.models["btc-signal"]).toEqual(lock.models["btc-signal"]);
    expect(lock.models["co2-forecast"]!.pins.production).toBeUndefined();
  });

  it("refuses when the source has no pin, the target already has it, or both are one environment", () => {
    expect(refusal(() => promotePin(lock, "co2-forecast", "production", "staging"))).toMatch(
      /^PROMOTE_REFUSED: co2-forecast has no pin in production/,
    );
    expect(refusal(() => promotePin(lock, "no-model", "staging", "production"))).toMatch(
      /no-model has no pin/,
    );
    const promoted = promotePin(lock, "co2-forecast", "staging", "production").lock;
    expect(refusal(() => promotePin(promoted, "co2-forecast", "staging", "production"))).toMatch(
      new RegExp(`production already pins co2-forecast version ${staging.version} `),
    );
    expect(refusal(() => promotePin(lock, "co2-forecast", "staging", "staging"))).toMatch(/to itself/);
  });
});

describe("revertPin", () => {
  const v2 = bumpedPin(staging);
  const current = bumpPin(lock, "co2-forecast", "staging", v2);
  const history = [
    { commit: "c3", lock: current },
    { commit: "c2", lock },
    { commit: "c1", lock: bumpPin(lock, "co2-forecast", "staging", bumpedPin(staging, "ef".repeat(32))) },
  ];

  it("restores the newest earlier pin that names another artifact", () => {
    const revert = revertPin(current, history, "co2-forecast", "staging");
    expect(revert.restored).toEqual(staging);
    expect(revert.failed).toEqual(v2);
    expect(revert.commit).toBe("c2");
    expect(revert.lock.models["co2-forecast"]!.pins.staging).toEqual(staging);
    expect(revert.lock.models["fish-classifier"]).toEqual(lock.models["fish-classifier"]);
  });

  it("refuses when there is no pin, or no earlier one", () => {
    expect(refusal(() => revertPin(current, history, "co2-forecast", "production"))).toMatch(
      /^REVERT_REFUSED: co2-forecast has no pin in production/,
    );
    expect(
      refusal(() => revertPin(current, [{ commit: "c3", lock: current }], "co2-forecast", "staging")),
    ).toMatch(new RegExp(`no earlier pin in the lock's history than version ${v2.version} `));
    expect(refusal(() => revertPin(current, [], "co2-forecast", "staging"))).toMatch(/no earlier pin/);
  });
});

describe("pinAge", () => {
  it("says how old a pin is, for people", () => {
    const at = (iso: string) => pinAge({ ...staging, trainedAt: "2026-12-01T00:00:00Z" }, new Date(iso));
    expect(at("2026-12-01T00:20:00Z")).toBe("20 minutes");
    expect(at("2026-12-01T05:00:00Z")).toBe("5 hours");
    expect(at("2026-12-04T00:00:00Z")).toBe("3 days");
    expect(at("2026-11-30T00:00:00Z")).toBe("unknown");
  });
});

describe("promotionViolations", () => {
  const config = committedConfig();
  const withPins = (pins: Record<string, Pin>): LockFile => ({
    ...lock,
    models: { ...lock.models, "co2-forecast": { ...lock.models["co2-forecast"]!, pins } },
  });
  const v2 = bumpedPin(staging);

  it("passes a promotion (staging's pin copied) and a pin change outside promoted environments", () => {
    expect(
      promotionViolations(config, lock, promotePin(lock, "co2-forecast", "staging", "production").lock),
    ).toEqual([]);
    expect(promotionViolations(config, lock, withPins({ staging: v2 }))).toEqual([]);
    // taking production's pin out needs no source
    expect(promotionViolations(config, withPins({ staging, production: staging }), lock)).toEqual([]);
  });

  it("refuses an artifact proposed straight into production", () => {
    const violations = promotionViolations(config, lock, withPins({ staging, production: v2 }));
    expect(violations).toEqual([
      {
        model: "co2-forecast",
        environment: "production",
        sha256: v2.sha256,
        detail: expect.stringMatching(
          /^production takes only artifacts staging has pinned: abababababab was never/,
        ),
      },
    ]);
  });

  it("passes a revert to an artifact staging pinned earlier in the base's history", () => {
    const before = withPins({ staging: v2, production: v2 });
    const reverted = withPins({ staging: v2, production: staging });
    expect(promotionViolations(config, before, reverted)).toHaveLength(1);
    expect(
      promotionViolations(config, before, reverted, [before, withPins({ staging, production: staging })]),
    ).toEqual([]);
  });
});
