import { describe, expect, it } from "vitest";
import { MAX_CANDIDATE_BYTES, parseCandidate, ProposalError } from "../src/index.js";
import { candidate } from "./fixture.js";

const text = (value: unknown) => JSON.stringify(value);
const without = (key: string) => Object.fromEntries(Object.entries(candidate).filter(([k]) => k !== key));

describe("parseCandidate", () => {
  it("reads back what training wrote", () => {
    expect(parseCandidate(text(candidate))).toEqual(candidate);
  });

  it.each([
    ["not JSON", "{", /not JSON/],
    ["an array", "[]", /must be a JSON object/],
    ["null", "null", /must be a JSON object/],
    ["a future version", text({ ...candidate, candidateVersion: 2 }), /candidateVersion must be 1/],
    ["no model", text(without("model")), /"model" must be a string/],
    ["a hostile model name", text({ ...candidate, model: "../../etc" }), /model/],
    ["an environment with a slash", text({ ...candidate, environment: "a/b" }), /environment|pin/],
    ["a short sha256", text({ ...candidate, pin: { ...candidate.pin, sha256: "abc" } }), /pin\/sha256/],
    ["negative bytes", text({ ...candidate, pin: { ...candidate.pin, bytes: -1 } }), /pin\/bytes/],
    [
      "metrics without the gate metric",
      text({ ...candidate, pin: { ...candidate.pin, metrics: { mae: 1 } } }),
      /gate metric "rmse"/,
    ],
    ["an unknown gate goal", text({ ...candidate, gate: { ...candidate.gate, goal: "up" } }), /gate/],
    ["params as a string", text({ ...candidate, params: "{}" }), /"params" must be an object/],
    ["a fractional seed", text({ ...candidate, seed: 1.5 }), /"seed" must be an integer/],
    [
      "a data sha256 that is not hex",
      text({ ...candidate, data: { ...candidate.data, sha256: "z".repeat(64) } }),
      /"data"/,
    ],
    ["negative timings", text({ ...candidate, timings: { train: -1 } }), /"timings"/],
    ["no trainer", text(without("trainer")), /"trainer"/],
    ["a headline that is not a list", text({ ...candidate, headline: "MAPE 0.1%" }), /"headline" must be/],
    ["a headline line that is not text", text({ ...candidate, headline: [{ text: "x" }] }), /"headline"/],
    ["17 headline lines", text({ ...candidate, headline: Array(17).fill("x") }), /at most 16 strings/],
    ["a headline line of 401 characters", text({ ...candidate, headline: ["x".repeat(401)] }), /at most 400/],
  ])("refuses %s with CANDIDATE_INVALID", (_, input, message) => {
    const error = (() => {
      try {
        parseCandidate(input, "c.json");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ProposalError);
    expect((error as ProposalError).code).toBe("CANDIDATE_INVALID");
    expect((error as Error).message).toMatch(/^c\.json: /);
    expect((error as Error).message).toMatch(message);
  });

  it("refuses an oversized file before parsing it", () => {
    const huge = `{"pad": "${"x".repeat(MAX_CANDIDATE_BYTES)}"}`;
    expect(() => parseCandidate(huge)).toThrow(expect.objectContaining({ code: "CANDIDATE_TOO_LARGE" }));
  });

  it("refuses deep nesting and never quotes the text back", () => {
    const deep = `{"candidateVersion": 1, "pin": ${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    expect(() => parseCandidate(deep)).toThrow(expect.objectContaining({ code: "CANDIDATE_INVALID" }));
    expect(() => parseCandidate(deep)).toThrow(/deeper than 32/);
    expect(() => parseCandidate('{"candidateVersion": SECRET_value}')).toThrow(/^(?![\s\S]*SECRET)/);
  });

  it("refuses a NaN smuggled in as a metric", () => {
    const bad = text(candidate).replace('"rmse":0.55', '"rmse":1e999');
    expect(() => parseCandidate(bad)).toThrow(/rmse|finite|number/);
  });
});
