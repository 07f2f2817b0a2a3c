import { describe, expect, it } from "vitest";
import { applyFilter, parseCondition, parseSince, parseSort, type RunSummary } from "../src/index.js";

const run = (id: string, metrics: Record<string, number>, environment = "staging"): RunSummary => ({
  id,
  model: "co2",
  kind: "train",
  createdAt: `2026-12-0${id}T00:00:00.000Z`,
  environment,
  metrics,
  gateMetric: "mape",
  better: true,
  sha256: "a".repeat(64),
  bytes: 1,
  dataSha256: "b".repeat(64),
});

describe("--where", () => {
  it("parses metric, operator and number", () => {
    expect(parseCondition("mape_h12<0.11")).toEqual({ metric: "mape_h12", op: "<", value: 0.11 });
    expect(parseCondition(" auc >= 5e-1 ")).toEqual({ metric: "auc", op: ">=", value: 0.5 });
    expect(parseCondition("acc!=-.5")).toEqual({ metric: "acc", op: "!=", value: -0.5 });
    expect(parseCondition("m=3")).toEqual({ metric: "m", op: "=", value: 3 });
  });

  it("refuses anything else, never evaluating it", () => {
    for (const bad of [
      "",
      "mape",
      "mape<",
      "<0.1",
      "mape<<0.1",
      "mape<0.1;process.exit(1)",
      "process.exit(1)",
      "mape<0.1 && auc>0.5",
      "mape<0x10",
      "mape<1e999",
      "mape<NaN",
      "mape<Infinity",
      "m\u0000<1",
      `${"m".repeat(100)}<1`,
      "x".repeat(100_000),
    ])
      expect(() => parseCondition(bad), JSON.stringify(bad.slice(0, 40))).toThrow(
        expect.objectContaining({ code: "RUN_WHERE_INVALID" }),
      );
  });

  it("filters runs, all conditions together; a run without the metric does not match", () => {
    const runs = [run("1", { mape: 0.1, auc: 0.6 }), run("2", { mape: 0.2 }), run("3", { auc: 0.9 })];
    const ids = (where: string[]) => applyFilter(runs, { where: where.map(parseCondition) }).map((r) => r.id);
    expect(ids(["mape<0.15"])).toEqual(["1"]);
    expect(ids(["mape<=0.2"])).toEqual(["2", "1"]);
    expect(ids(["mape!=0.1"])).toEqual(["2"]);
    expect(ids(["mape<0.3", "auc>0.5"])).toEqual(["1"]);
    // names of Object's own properties are no metric of a run that lacks them
    expect(ids(["constructor!=1"])).toEqual([]);
  });
});

describe("--since, --env and --sort", () => {
  it("reads dates, times and ages and refuses the rest", () => {
    const now = new Date("2026-12-07T12:00:00Z");
    expect(parseSince("2026-12-01").toISOString()).toBe("2026-12-01T00:00:00.000Z");
    expect(parseSince("2026-12-01T10:00Z").toISOString()).toBe("2026-12-01T10:00:00.000Z");
    expect(parseSince("12h", now).toISOString()).toBe("2026-12-07T00:00:00.000Z");
    expect(parseSince("2w", now).toISOString()).toBe("2026-11-23T12:00:00.000Z");
    for (const bad of ["yesterday", "12", "-1d", "2026-13-45", "1y", "2026-12-01; rm -rf /", ""])
      expect(() => parseSince(bad, now), bad).toThrow(expect.objectContaining({ code: "RUN_SINCE_INVALID" }));
  });

  it("sorts by a metric either way, newest first by default, and filters by environment and time", () => {
    const runs = [
      run("1", { mape: 0.3 }),
      run("2", { mape: 0.1 }, "production"),
      run("3", {}),
      run("4", { mape: 0.2 }),
    ];
    const ids = (f: Parameters<typeof applyFilter>[1]) => applyFilter([...runs], f).map((r) => r.id);
    expect(ids({})).toEqual(["4", "3", "2", "1"]);
    expect(ids({ sort: parseSort("mape") })).toEqual(["2", "4", "1", "3"]);
    expect(ids({ sort: parseSort("-mape") })).toEqual(["1", "4", "2", "3"]);
    expect(ids({ sort: parseSort("created") })).toEqual(["1", "2", "3", "4"]);
    expect(ids({ environment: "production" })).toEqual(["2"]);
    expect(ids({ since: new Date("2026-12-03T00:00:00Z") })).toEqual(["4", "3"]);
    for (const bad of ["", "--mape", "mape desc", "a;b"])
      expect(() => parseSort(bad), bad).toThrow(expect.objectContaining({ code: "RUN_SORT_INVALID" }));
  });
});
