import { describe, expect, it } from "vitest";
import { ModelError } from "../src/index.js";

describe("ModelError", () => {
  it("skips the stack of a bad request only, and leaves the stack limit as it was", () => {
    const before = Error.stackTraceLimit;
    const request = new ModelError("REQUEST_INVALID", '"horizon" must be an integer');
    expect(request).toMatchObject({ code: "REQUEST_INVALID", name: "ModelError" });
    expect(request.stack ?? "").not.toMatch(/\n\s+at /);
    expect(new ModelError("TRAIN_FAILED", "diverged").stack).toMatch(/\n\s+at /);
    expect(Error.stackTraceLimit).toBe(before);
  });
});
