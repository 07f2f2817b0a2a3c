import { describe, expect, it } from "vitest";
import { HttpError } from "../src/errors.js";

describe("HttpError", () => {
  it("carries status, code, message and headers, without capturing a stack, and leaves other errors theirs", () => {
    const before = Error.stackTraceLimit;
    const error = new HttpError(503, "QUEUE_FULL", "busy", { "Retry-After": "1" });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ status: 503, code: "QUEUE_FULL", message: "busy", name: "HttpError" });
    expect(error.headers).toEqual({ "Retry-After": "1" });
    expect(error.stack ?? "").not.toMatch(/\n\s+at /);
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error("unexpected").stack).toMatch(/\n\s+at /);
  });
});
