import { describe, expect, it } from "vitest";
import {
  newRunId,
  parseRecord,
  parseRunKey,
  parseRunRef,
  recordKey,
  runIdTime,
  validateRecord,
  RUN_RECORD_VERSION,
} from "../src/index.js";
import { sampleRun } from "./sample.js";

const record = () => {
  const { report, ...rest } = sampleRun("co2-forecast", 1);
  return {
    runRecordVersion: RUN_RECORD_VERSION,
    id: "20261207T045301123Z-3fa9c2",
    createdAt: "2026-12-07T04:53:01.123Z",
    ...rest,
    report: { markdown: report },
  };
};

describe("run ids", () => {
  it("are time-sortable, of safe characters, and give their time back", () => {
    const a = newRunId(new Date("2026-12-07T04:53:01.123Z"), () => "3fa9c2");
    expect(a).toBe("20261207T045301123Z-3fa9c2");
    expect(runIdTime(a).toISOString()).toBe("2026-12-07T04:53:01.123Z");
    const b = newRunId(new Date("2026-12-07T04:53:01.124Z"));
    expect(a < b).toBe(true);
    expect(b).toMatch(/^[0-9TZa-f-]+$/);
    expect(recordKey("co2-forecast", a)).toBe("runs/co2-forecast/20261207T045301123Z-3fa9c2.json");
  });

  it("refuse hostile ids and model names with a typed error", () => {
    for (const bad of [
      "../20261207T045301123Z-3fa9c2",
      "20261207T045301123Z-3fa9c2/../../x",
      "co2/../20261207T045301123Z-3fa9c2",
      "20261207T045301123Z-3fa9c2\u0000",
      "20261207T045301123Z-3FA9C2",
      "",
      "x".repeat(100_000),
      "Co2/20261207T045301123Z-3fa9c2",
      "/20261207T045301123Z-3fa9c2",
    ])
      expect(() => parseRunRef(bad), JSON.stringify(bad.slice(0, 40))).toThrow(
        expect.objectContaining({ code: expect.stringMatching(/^RUN_(ID|MODEL)_INVALID$/) }),
      );
    expect(parseRunRef("co2-forecast/20261207T045301123Z-3fa9c2")).toEqual({
      model: "co2-forecast",
      id: "20261207T045301123Z-3fa9c2",
    });
    expect(() => recordKey("../x", "20261207T045301123Z-3fa9c2")).toThrow(
      expect.objectContaining({ code: "RUN_MODEL_INVALID" }),
    );
  });

  it("tell records from indexes and foreign keys", () => {
    expect(parseRunKey("runs/co2/20261207T045301123Z-3fa9c2.json")).toEqual({
      kind: "record",
      model: "co2",
      id: "20261207T045301123Z-3fa9c2",
    });
    expect(parseRunKey("runs/co2/index.json")).toEqual({ kind: "index", model: "co2" });
    for (const key of [
      "runs/co2/notes.json",
      "runs/co2/x/20261207T045301123Z-3fa9c2.json",
      "runs/CO2/index.json",
    ])
      expect(parseRunKey(key)).toEqual({ kind: "foreign" });
  });
});

describe("run records", () => {
  it("validate a well-formed record", () => {
    expect(validateRecord(record()).model).toBe("co2-forecast");
  });

  it("refuse malformed, wrong-shaped and foreign JSON, saying what is wrong", () => {
    const cases: [string, unknown][] = [
      ["array", []],
      ["version", { ...record(), runRecordVersion: 2 }],
      ["id", { ...record(), id: "../x" }],
      ["kind", { ...record(), kind: "deploy" }],
      ["metric value", { ...record(), metrics: { mape: "0.1" } }],
      ["metric NaN", { ...record(), metrics: { mape: Number.NaN } }],
      ["metric name", { ...record(), metrics: { "bad name": 1 } }],
      ["data sha", { ...record(), data: { uri: "x", sha256: "nope" } }],
      ["gate", { ...record(), gate: { metric: "mape", better: "yes", reason: "" } }],
      ["params", { ...record(), params: { asked: [] } }],
      ["report", { ...record(), report: { markdown: "x".repeat(300_000) } }],
      ["snapshot", { ...record(), data: { ...record().data, snapshot: { sha256: "x" } } }],
      ["foreign", { name: "an MLflow run", metrics: {} }],
    ];
    for (const [name, value] of cases)
      expect(() => validateRecord(value), name).toThrow(
        expect.objectContaining({ code: "RUN_RECORD_INVALID" }),
      );
    expect(() => parseRecord(Buffer.from("{not json"))).toThrow(/not JSON/);
    expect(() =>
      parseRecord(Buffer.from(JSON.stringify(record())), { model: "btc-signal", id: record().id }),
    ).toThrow(/not the record its key names/);
  });

  it("accept a data snapshot, taken or skipped", () => {
    const taken = {
      sha256: "b".repeat(64),
      uri: "file://store/data/sha256/" + "b".repeat(64),
      bytes: 10,
      files: 2,
    };
    expect(
      validateRecord({ ...record(), data: { ...record().data, snapshot: taken } }).data.snapshot,
    ).toEqual(taken);
    expect(
      validateRecord({ ...record(), data: { ...record().data, snapshot: { skipped: "over the cap" } } }).data
        .snapshot,
    ).toEqual({ skipped: "over the cap" });
  });
});
