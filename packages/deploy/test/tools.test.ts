import { describe, expect, it } from "vitest";
import { inCi, missingToolsError, toolPlan } from "./tools.js";

describe("checks backed by a real tool", () => {
  const none = () => false;
  const all = () => true;

  it("are skipped where the tool is missing, outside CI", () => {
    expect(toolPlan(["promtool"], none, {})).toEqual({ missing: ["promtool"], skip: true });
    expect(toolPlan(["promtool"], none, { CI: "false" })).toEqual({ missing: ["promtool"], skip: true });
  });

  it("are never skipped under CI=true: the missing tool is what fails", () => {
    expect(toolPlan(["kubectl", "amtool"], none, { CI: "true" })).toEqual({
      missing: ["kubectl", "amtool"],
      skip: false,
    });
    expect(toolPlan(["terraform"], none, { CI: "1" }).skip).toBe(false);
    expect(inCi({ CI: "true" })).toBe(true);
    expect(inCi({})).toBe(false);
    expect(missingToolsError(["amtool"]).message).toMatch(/^amtool not installed: CI=true requires/);
  });

  it("run where the tool is installed, in CI or not", () => {
    expect(toolPlan(["promtool"], all, {})).toEqual({ missing: [], skip: false });
    expect(toolPlan(["promtool"], all, { CI: "true" })).toEqual({ missing: [], skip: false });
  });
});
