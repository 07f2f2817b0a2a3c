import { createHash } from "node:crypto";
import * as ort from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeModel, readCard } from "@lockstep/onnx";
import {
  co2Forecast,
  decodeRequest,
  encodeAnswer,
  getModel,
  ModelError,
  type TrainedModel,
  trainModel,
} from "../src/index.js";
import type { MonthlySeries } from "../src/co2-forecast/index.js";
import { co2Threads } from "../src/co2-forecast/fits.js";

// A small search keeps the suite fast; the default search is what `lockstep train` runs.
const params = co2Forecast.parseParams(co2Forecast.smokeParams);
const quiet = { log: () => {} };
const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

let data: MonthlySeries;
let trained: TrainedModel;
beforeAll(async () => {
  data = await co2Forecast.loadData(co2Forecast.defaultData, quiet);
  trained = await trainModel(co2Forecast, data, params, quiet);
});

describe("co2-forecast training", () => {
  it("loads the offline default data from the vega-datasets package", () => {
    expect(data.start).toBe("1958-03");
    expect(data.values.length).toBeGreaterThan(740);
    expect(data.filled).toEqual(["1958-06", "1958-10", "1964-02", "1964-03", "1964-04"]);
  });

  it("is deterministic: the same data, params and seed give byte-identical ONNX", async () => {
    const again = await trainModel(co2Forecast, data, params, quiet);
    expect(sha(again.onnx)).toBe(sha(trained.onnx));
    const other = await trainModel(co2Forecast, data, { ...params, seed: 1 }, quiet);
    expect(sha(other.onnx)).not.toBe(sha(trained.onnx)); // the seed is part of the card
  });

  it("trains the same bytes whatever the number of threads its LSTMs train on", async () => {
    const withThreads = async (threads: string) => {
      const before = process.env.LOCKSTEP_CO2_THREADS;
      process.env.LOCKSTEP_CO2_THREADS = threads;
      const logs: string[] = [];
      try {
        const model = await trainModel(
          co2Forecast,
          data,
          { ...params, members: 2 },
          { log: (m) => logs.push(m) },
        );
        return { sha: sha(model.onnx), logs };
      } finally {
        if (before === undefined) delete process.env.LOCKSTEP_CO2_THREADS;
        else process.env.LOCKSTEP_CO2_THREADS = before;
      }
    };
    const [one, three] = [await withThreads("1"), await withThreads("3")];
    expect(one.logs).toContain("LSTM members: 16 fits on 1 thread(s)");
    expect(three.logs).toContain("LSTM members: 16 fits on 3 thread(s)");
    expect(three.sha).toBe(one.sha);
    expect(co2Threads({ LOCKSTEP_CO2_THREADS: "2" })).toBe(2);
    expect(co2Threads({}, 2)).toBe(2);
    expect(co2Threads({}, 64)).toBe(4); // a thread's tfjs heap is ~100 MB: four by default at most
    expect(co2Threads({ LOCKSTEP_CO2_THREADS: "8" }, 2)).toBe(8);
    for (const bad of ["0", "1.5", "two", "65"])
      expect(() => co2Threads({ LOCKSTEP_CO2_THREADS: bad })).toThrow(
        /LOCKSTEP_CO2_THREADS must be an integer/,
      );
  });

  it("evaluates honestly at 12 and 24 months beside the baselines and the previous model", () => {
    const m = trained.metrics;
    for (const h of ["h12", "h24"]) {
      for (const key of ["mape", "rmse", "mase", "local_trend_mape", "snaive_mape", "snaive_drift_mape"]) {
        expect(Number.isFinite(m[`${key}_${h}`]), `${key}_${h}`).toBe(true);
      }
      expect(m[`mape_${h}`]).toBeLessThan(m[`snaive_mape_${h}`]!);
    }
    expect(trained.evaluation.protocol).toMatch(
      /rolling-origin backtest: 6 origins 12 months apart per horizon \(12 and 24 months\), the last forecast ending at 2020-04/,
    );
    expect(trained.report).toContain("| **LSTM on trend/seasonality residuals (Lockstep)** | **12** |");
    expect(trained.report).toContain("| local trend + seasonality (previous model) | 24 |");
    expect(trained.report).toMatch(/The 90% intervals held [\d.]+% of the actual values at h12/);
    // the gate metric per origin: the pooled MAPE at h12 is their mean (equal-length windows)
    const perOrigin = trained.evaluation.folds!.mape_h12!;
    expect(perOrigin).toHaveLength(6);
    expect(perOrigin.reduce((a, b) => a + b, 0) / 6).toBeCloseTo(m.mape_h12!, 4);
    // the headline under the report's title: MAPE beside both baselines, coverage beside nominal
    expect(trained.report).toMatch(
      /\*\*At a glance\*\*\n\n- MAPE 12 months ahead [\d.]+% vs seasonal naive with drift [\d.]+% vs trend and seasonality alone [\d.]+%\n- interval coverage 12 months ahead [\d.]+% vs nominal 90\.0%/,
    );
    // the intervals calibrated on the backtest's own errors (cross-conformal), per 12 months ahead
    expect(m.interval_scale_1).toBeGreaterThan(0);
    expect(m.interval_scale_2).toBeGreaterThan(0);
    expect(trained.report).toMatch(/scaled by what the other origins' errors give \(cross-conformal\)/);
    expect(m.interval_coverage_h24).toBeGreaterThanOrEqual(0);
    expect(m.interval_coverage_h24).toBeLessThanOrEqual(1);
    expect(Object.keys(trained.assets ?? {})).toEqual(["backtest.svg", "forecast.svg"]);
    expect(trained.assets!["forecast.svg"]).toContain("<svg");
    expect(Object.keys(trained.timings ?? {})).toEqual(["backtest", "final model"]);
  });

  it("is one ONNX graph from raw ppm to ppm: transform, LSTM and intervals inside", async () => {
    const model = decodeModel(trained.onnx);
    const ops = new Set(model.graph!.node!.map((n) => n.opType));
    for (const op of ["ReduceMean", "MatMul", "LSTM", "Reshape"]) expect(ops, op).toContain(op);
    expect(model.graph!.input!.map((i) => i.name)).toEqual(["history"]);
    expect(model.graph!.output!.map((o) => o.name)).toEqual(["forecast", "lower", "upper"]);
    expect(trained.parity.maxAbsDiff).toBeLessThan(1e-3);
    const card = readCard(trained.onnx);
    const profile = card.featureProfile as { features: Record<string, { kind: string; count: number }> };
    expect(Object.keys(profile.features).sort()).toEqual(["monthly_change", "residual", "yearly_change"]);
    expect(profile.features.yearly_change!.count).toBe(120);
  });

  it("carries its card and serves through the spec's adapters in onnxruntime", async () => {
    const card = readCard(trained.onnx);
    expect(card.name).toBe("co2-forecast");
    expect(card.metrics).toEqual(trained.metrics);
    expect(card.data.sha256).toBe(trained.evaluation.datasetSha256);
    const session = await ort.InferenceSession.create(trained.onnx);
    const spec = getModel("co2-forecast");
    for (const request of spec.serving.golden) {
      const decoded = await decodeRequest(spec.serving, request, card);
      const feeds = Object.fromEntries(
        Object.entries(decoded.feeds).map(([k, t]) => [k, new ort.Tensor(t.type, t.data, t.dims)]),
      );
      const out = await session.run(feeds);
      const answer = encodeAnswer(spec.serving, out as never, card, decoded.context) as {
        forecast: { month: string; value: number; lower: number; upper: number }[];
      };
      expect(answer.forecast[0]!.month).toBe("2020-05");
      for (const point of answer.forecast) {
        expect(point.lower).toBeLessThanOrEqual(point.value);
        expect(point.upper).toBeGreaterThanOrEqual(point.value);
        expect(point.value).toBeGreaterThan(400);
        expect(point.value).toBeLessThan(430);
      }
    }
    await session.release();
  });

  it("rejects bad requests with a message for the client", () => {
    const card = readCard(trained.onnx);
    const decode = (body: unknown) => () => decodeRequest(co2Forecast.serving, body, card);
    for (const [body, pattern] of [
      [null, /JSON object/],
      [[1], /JSON object/],
      [{ horizon: 0 }, /"horizon" must be >= 1/],
      [{ horizon: 61 }, /from 1 to 60/],
      [{ horizon: "12" }, /"horizon" must be an integer/],
      [{ horizon: 1.5 }, /"horizon" must be an integer/],
      [{ horizn: 5 }, /unknown field "horizn"/],
      [{ history: [1, 2] }, /go together/],
      [{ history: [1, 2], lastMonth: "2020-01" }, /at least/],
      [{ history: new Array(200).fill("x"), lastMonth: "2020-01" }, /"history\[0\]" must be a number/],
      [{ history: new Array(200).fill(400), lastMonth: "2020-13" }, /lastMonth/],
    ] as const) {
      expect(decode(body)).toThrow(pattern);
      expect(decode(body)).toThrow(ModelError);
    }
  });

  it("forecasts after a client's own history", async () => {
    const card = readCard(trained.onnx);
    const decoded = await decodeRequest(
      co2Forecast.serving,
      { horizon: 2, history: data.values, lastMonth: "2020-04" } as never,
      card,
    );
    expect((decoded.context as { lastMonth: string }).lastMonth).toBe("2020-04");
    expect(decoded.feeds.history!.dims).toEqual([1, card.inputs[0]!.shape[1]]);
    expect(Array.from(decoded.feeds.history!.data).at(-1)).toBeCloseTo(data.values.at(-1)!, 3);
  });

  it("refuses data too short for its backtest", async () => {
    const short = { ...data, values: data.values.slice(0, 100) };
    await expect(trainModel(co2Forecast, short, params, quiet)).rejects.toThrow(/too short/);
  });

  it("knows its models by name", () => {
    expect(() => getModel("nope")).toThrow(/unknown model "nope"/);
    expect(() => getModel("__proto__")).toThrow(/unknown model/);
  });
});
