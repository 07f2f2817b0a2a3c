import { describe, expect, it } from "vitest";
import { MonitorError, parseRecordLine, recordJson } from "../src/index.js";
import { record } from "./fixtures.js";

describe("a prediction log line", () => {
  it("reads back what was written", () => {
    const r = record();
    expect(parseRecordLine(JSON.stringify(r))).toEqual(r);
  });

  it("encodes a cache hit's line as JSON.stringify would, its fields' JSON made once per object", () => {
    const features = { horizon: 12, last_value: 421.123456789 };
    const prediction = { forecast_change_h12: 2.4000000001 };
    const lines = ["a", 'b"\\x{}'].map((requestId) => {
      const r = record({ requestId, features, prediction, cached: true, latencyMs: 0.123456 });
      const line = recordJson(r);
      expect(line).toBe(JSON.stringify(r));
      expect(parseRecordLine(line)).toEqual(r);
      return line;
    });
    expect(lines[0]).not.toBe(lines[1]);
    // not cached: the fields are read afresh, so a changed object is logged as it now is
    features.last_value = 1;
    expect(JSON.parse(recordJson(record({ features, cached: false }))).features.last_value).toBe(1);
  });

  it("gives each cache hit its own time and pin: the last ones' JSON is reused only while they repeat", () => {
    const features = { horizon: 12 };
    const prediction = { forecast_change_h12: 2.5 };
    const hits = [
      { time: "2026-12-07T10:00:00.000Z", model: "co2-forecast", version: "1", sha256: "a".repeat(64) },
      { time: "2026-12-07T10:00:00.000Z", model: "co2-forecast", version: "1", sha256: "a".repeat(64) },
      { time: "2026-12-07T10:00:00.001Z", model: "co2-forecast", version: "1", sha256: "a".repeat(64) },
      { time: "2026-12-07T10:00:00.001Z", model: "co2-forecast", version: "2", sha256: "a".repeat(64) },
      { time: "2026-12-07T10:00:00.001Z", model: "co2-forecast", version: "2", sha256: "b".repeat(64) },
      { time: "2026-12-07T10:00:00.001Z", model: "fish-species", version: "2", sha256: "b".repeat(64) },
      { time: "2026-12-07T10:00:00.001Z", model: "co2-forecast", version: "1", sha256: "a".repeat(64) },
    ];
    for (const hit of hits) {
      const r = record({ ...hit, features, prediction, cached: true });
      expect(recordJson(r)).toBe(JSON.stringify(r));
    }
  });

  it.each([
    ["not JSON", "{", /not JSON/],
    ["an array", "[1]", /must be a JSON object/],
    ["too long", JSON.stringify(record({ requestId: "x".repeat(70_000) })), /longer than/],
    ["a bad time", JSON.stringify(record({ time: "yesterday" })), /"time"/],
    ["an impossible date", JSON.stringify(record({ time: "2026-13-45T99:00:00Z" })), /not a date/],
    ["a bad sha256", JSON.stringify(record({ sha256: "xyz" })), /"sha256"/],
    ["a negative latency", JSON.stringify(record({ latencyMs: -1 })), /latencyMs/],
    ["a non-finite feature", JSON.stringify(record()).replace('"horizon":12', '"horizon":1e999'), /finite/],
    ["an object feature", JSON.stringify(record({ features: { x: {} as never } })), /features.x/],
    ["a hostile field name", JSON.stringify(record({ features: { "__proto__ x": 1 } })), /not a field name/],
    [
      "too many fields",
      JSON.stringify(
        record({ features: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`f${i}`, i])) }),
      ),
      /more than 256/,
    ],
    ["cached missing", JSON.stringify({ ...record(), cached: undefined }), /"cached"/],
  ])("refuses %s with RECORD_INVALID", (_, line, message) => {
    let error: unknown;
    try {
      parseRecordLine(line);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MonitorError);
    expect((error as MonitorError).code).toBe("RECORD_INVALID");
    expect((error as Error).message).toMatch(message);
  });
});
