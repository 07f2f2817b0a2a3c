import { describe, expect, it } from "vitest";
import { models } from "@lockstep/models";
import { DeployError, formatSoak, parseSoak, validateDeployConfig } from "../src/index.js";
import { configWith } from "./fixtures.js";

const issuesOf = (value: unknown) => {
  try {
    validateDeployConfig(value, Object.keys(models));
  } catch (error) {
    return [...(error as DeployError).issues];
  }
  return [];
};

describe("promotionRequires", () => {
  it("parses soaks, largest unit first", () => {
    expect(parseSoak("24h")).toBe(86_400_000);
    expect(parseSoak("1d12h")).toBe(129_600_000);
    expect(parseSoak("2w")).toBe(14 * 86_400_000);
    expect(parseSoak("90m")).toBe(5_400_000);
    expect(formatSoak(129_600_000 + 61_000)).toBe("1d 12h");
    expect(formatSoak(5_400_000)).toBe("1h 30m");
    expect(formatSoak(0)).toBe("0s");
    expect(formatSoak(3 * 86_400_000 + 1000)).toBe("3d");
    expect(formatSoak(42_000)).toBe("42s");
  });

  it.each(["", "24", "1 day", "12h1d", "1h1h", "0h", "-3h", "1.5d", "99999h", "24H"])(
    "refuses the soak %j with DURATION_INVALID",
    (text) => {
      expect(() => parseSoak(text)).toThrow(DeployError);
      expect(() => parseSoak(text)).toThrow(/minSoak must be a duration like 24h, 3d, 1d12h or 90m/);
    },
  );

  it("is off by default, and accepted with promotedFrom", () => {
    expect(issuesOf(configWith(() => {}))).toEqual([]);
    const config = configWith(
      (c) => (c.environments.production.promotionRequires = { minSoak: "24h", healthyReport: true }),
    );
    expect(issuesOf(config)).toEqual([]);
  });

  it("refuses a soak that does not parse, an unknown key, and requirements without promotedFrom", () => {
    const bad = configWith((c) => (c.environments.production.promotionRequires = { minSoak: "one day" }));
    expect(issuesOf(bad)).toEqual([
      expect.objectContaining({ pointer: "/environments/production/promotionRequires/minSoak" }),
    ]);
    const unknown = configWith((c) => (c.environments.production.promotionRequires = { soak: "24h" }));
    expect(issuesOf(unknown).map((i) => i.pointer)).toEqual(["/environments/production/promotionRequires"]);
    const orphan = configWith((c) => (c.environments.staging.promotionRequires = { healthyReport: true }));
    expect(issuesOf(orphan)).toEqual([
      {
        pointer: "/environments/staging/promotionRequires",
        message: "staging is promoted from no environment: promotionRequires needs promotedFrom",
      },
    ]);
  });
});
