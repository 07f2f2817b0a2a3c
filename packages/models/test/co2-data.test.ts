import { describe, expect, it } from "vitest";
import { ModelError } from "../src/index.js";
import { parseCo2Csv, parseCo2Params, seriesSha256 } from "../src/co2-forecast/index.js";

const vega =
  "Date,CO2,adjusted CO2\n1958-03-01,315.70,314.44\n1958-04-01,317.46,315.16\n1958-05-01,317.51,314.71\n1958-07-01,315.86,315.19\n";

const noaa = `# --------------------------------------------------------------------
# USE OF NOAA GML DATA
#
# Monthly mean CO2 mole fraction
year,month,decimal date,average,deseasonalized,ndays,sdev,unc
1958,3,1958.2027,315.70,314.43,-1,-9.99,-0.99
1958,4,1958.2877,317.45,315.16,-1,-9.99,-0.99
1958,5,1958.3699,317.51,314.71,-1,-9.99,-0.99
1958,6,1958.4548,-99.99,314.85,-1,-9.99,-0.99
1958,7,1958.5370,315.86,314.98,-1,-9.99,-0.99
`;

function rejects(text: string, pattern: RegExp): void {
  let error: unknown;
  try {
    parseCo2Csv(text, "test.csv");
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ModelError);
  expect((error as ModelError).code).toBe("DATA_INVALID");
  expect((error as Error).message).toMatch(pattern);
}

describe("CO2 data", () => {
  it("reads the Scripps/vega shape and fills an absent month by interpolation", () => {
    const series = parseCo2Csv(vega, "vega");
    expect(series.start).toBe("1958-03");
    expect(series.values).toEqual([315.7, 317.46, 317.51, 316.685, 315.86]);
    expect(series.filled).toEqual(["1958-06"]);
  });

  it("reads NOAA's co2_mm_mlo.csv shape with comments and -99.99 for missing", () => {
    const series = parseCo2Csv(noaa, "noaa");
    expect(series.values).toEqual([315.7, 317.45, 317.51, 316.685, 315.86]);
    expect(series.filled).toEqual(["1958-06"]);
  });

  it("fingerprints the normalised series, not the CSV shape", () => {
    const a = parseCo2Csv(vega, "a");
    const b = parseCo2Csv(vega.replace("Date,CO2", "date,co2").replace(/\n/g, "\r\n"), "b");
    expect(seriesSha256(a)).toBe(seriesSha256(b));
    expect(seriesSha256(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("rejects malformed and hostile input with a line number", () => {
    rejects("", /no data rows/);
    rejects("just,some,columns\n1,2,3\n", /unrecognised header/);
    rejects(
      "Date,CO2\n1958-03-01,315\n1958-02-01,316\n",
      /line 3: month 1958-02 is out of order or repeated/,
    );
    rejects("Date,CO2\n1958-03-01,315\n1958-03-01,316\n", /repeated/);
    rejects("Date,CO2\n1958-03-01,315\n1960-03-01,316\n", /23 consecutive months missing/);
    rejects("Date,CO2\n1958-03-01,315\nnot-a-date,316\n", /line 3: cannot read the month/);
    rejects("Date,CO2\n1958-03-01,315\n1958-04-01,1e400\n", /not a plausible CO2/);
    rejects("Date,CO2\n1958-03-01,315\n1958-04-01,abc\n", /not a plausible CO2/);
    rejects("Date,CO2\n1958-13-01,315\n1958-04-01,316\n", /cannot read the month/);
    rejects("Date,CO2\n1958-03-01,\n1958-04-01,316\n", /fewer than two months/);
    rejects(`Date,CO2\n${"1958-03-01,315\n".repeat(100_001)}`, /more than 100000 rows/);
  });
});

describe("CO2 params", () => {
  it("merges over the defaults", () => {
    expect(parseCo2Params({ windows: [60], ensemble: 1 })).toMatchObject({
      windows: [60],
      ensemble: 1,
      units: 32,
    });
    expect(parseCo2Params(undefined).maxHorizon).toBe(60);
  });

  it("rejects unknown keys, wrong types and out-of-range values", () => {
    expect(() => parseCo2Params({ window: 60 })).toThrow(/unknown param "window"/);
    expect(() => parseCo2Params({ windows: "60" })).toThrow(/list of 1 to 20 numbers/);
    expect(() => parseCo2Params({ windows: [10] })).toThrow(/windows\[0\]" must be between 24 and 600/);
    expect(() => parseCo2Params({ maxHorizon: 1.5 })).toThrow(/must be an integer/);
    expect(() => parseCo2Params({ maxHorizon: 12 })).toThrow(/"maxHorizon" must be between 24 and 120/);
    expect(() => parseCo2Params({ sequenceLength: 72, residualWindow: 60 })).toThrow(
      /sequenceLength \(72\) must not exceed residualWindow \(60\)/,
    );
    expect(() => parseCo2Params({ learningRate: 0 })).toThrow(/learningRate/);
    expect(() => parseCo2Params({ members: 1e9 })).toThrow(/members/);
    expect(() => parseCo2Params([1])).toThrow(/JSON object/);
    expect(() => parseCo2Params({ __proto__: { x: 1 }, seed: -1 })).toThrow(/seed/);
  });
});
