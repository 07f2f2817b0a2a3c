import { createHash } from "node:crypto";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { checkParity, exportTreeEnsemble } from "@lockstep/onnx";
import { accuracy, Random, rmse, trainGbdt, type GbdtModel } from "../src/index.js";

const random = new Random(42);
const uniform = (n: number, dims: number, lo: number, hi: number) =>
  Array.from({ length: n }, () =>
    Array.from({ length: dims }, () => Math.fround(lo + random.next() * (hi - lo))),
  );
const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const labels = (probabilities: number[][]) => probabilities.map((p) => p.indexOf(Math.max(...p)));

function blobs(n: number): { rows: number[][]; y: number[] } {
  const centres = [
    [0, 0],
    [4, 4],
    [-4, 4],
  ];
  const rows: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    rows.push(centres[c]!.map((m) => Math.fround(m + random.normal())));
    y.push(c);
  }
  return { rows, y };
}

async function parity(model: GbdtModel, rows: number[][], output: "raw" | "probabilities") {
  const onnx = exportTreeEnsemble(model.toEnsemble());
  const data = Float32Array.from(rows.flat());
  const expected =
    output === "raw" ? Array.from(model.predictRaw(rows)) : (model.predict(rows) as number[][]).flat();
  return checkParity(
    onnx,
    { name: "features", data, dims: [rows.length, model.numFeatures] },
    { name: output, expected },
  );
}

describe("GBDT learns known functions", () => {
  it("a sine (regression, L2)", async () => {
    const rows = uniform(3000, 1, 0, 2 * Math.PI);
    const y = rows.map(([x]) => Math.sin(x!));
    const model = trainGbdt(rows, y, { nEstimators: 100, minSamplesLeaf: 5 });
    const test = uniform(500, 1, 0, 2 * Math.PI);
    expect(
      rmse(
        test.map(([x]) => Math.sin(x!)),
        model.predict(test) as number[],
      ),
    ).toBeLessThan(0.03);
    for (const batch of [1, 7, 64])
      expect((await parity(model, test.slice(0, batch), "raw")).maxAbsDiff).toBeLessThan(1e-4);
  });

  it("XOR (binary log-loss)", async () => {
    const rows = uniform(3000, 2, -1, 1);
    const y = rows.map(([a, b]) => (a! * b! > 0 ? 1 : 0));
    const model = trainGbdt(rows, y, { objective: "binary", nEstimators: 60 });
    const test = uniform(1000, 2, -1, 1);
    const predicted = labels(model.predict(test) as number[][]);
    expect(
      accuracy(
        test.map(([a, b]) => (a! * b! > 0 ? 1 : 0)),
        predicted,
      ),
    ).toBeGreaterThan(0.97);
    for (const batch of [1, 33]) await parity(model, test.slice(0, batch), "probabilities");
    const session = await ort.InferenceSession.create(exportTreeEnsemble(model.toEnsemble()));
    const out = await session.run({
      features: new ort.Tensor("float32", Float32Array.from(test.slice(0, 50).flat()), [50, 2]),
    });
    expect(Array.from(out.label!.data as BigInt64Array, Number)).toEqual(predicted.slice(0, 50));
  });

  it("three Gaussian blobs (softmax multiclass)", async () => {
    const { rows, y } = blobs(1500);
    const model = trainGbdt(rows, y, { objective: "multiclass", nEstimators: 40, numLeaves: 8 });
    const test = blobs(600);
    expect(accuracy(test.y, labels(model.predict(test.rows) as number[][]))).toBeGreaterThan(0.95);
    for (const batch of [1, 50]) await parity(model, test.rows.slice(0, batch), "probabilities");
  });

  it("routes missing values by a learned default direction, the same way in onnxruntime", async () => {
    // the label is 1 exactly when x0 is missing or large
    const rows = uniform(2000, 2, 0, 1).map((r, i) => (i % 4 === 0 ? [Number.NaN, r[1]!] : r));
    const y = rows.map(([a]) => (Number.isNaN(a!) || a! > 0.7 ? 1 : 0));
    const model = trainGbdt(rows, y, { objective: "binary", nEstimators: 30 });
    expect(accuracy(y, labels(model.predict(rows) as number[][]))).toBeGreaterThan(0.99);
    await parity(model, rows.slice(0, 40), "probabilities");
  });
});

describe("GBDT training controls", () => {
  const rows = uniform(1500, 5, -1, 1);
  const y = rows.map((r) => (r[0]! + 0.5 * r[1]! > 0 ? 1 : 0));

  it("is deterministic: the same seed gives byte-identical ONNX, another seed (with subsampling) does not", () => {
    const params = { objective: "binary" as const, nEstimators: 20, subsample: 0.7, colsample: 0.6, seed: 3 };
    const a = exportTreeEnsemble(trainGbdt(rows, y, params).toEnsemble());
    const b = exportTreeEnsemble(trainGbdt(rows, y, params).toEnsemble());
    const c = exportTreeEnsemble(trainGbdt(rows, y, { ...params, seed: 4 }).toEnsemble());
    expect(sha(a)).toBe(sha(b));
    expect(sha(a)).not.toBe(sha(c));
  });

  it("draws rows per round by default, or per tree (as xgboost does) when asked: each deterministic", () => {
    const y3 = rows.map((r) => (r[0]! > 0.3 ? 2 : r[1]! > 0 ? 1 : 0));
    const params = { objective: "multiclass" as const, nEstimators: 10, subsample: 0.6, seed: 2 };
    const hash = (extra: object) =>
      sha(exportTreeEnsemble(trainGbdt(rows, y3, { ...params, ...extra }).toEnsemble()));
    expect(hash({ rowSampling: "round" })).toBe(hash({}));
    expect(hash({ rowSampling: "tree" })).toBe(hash({ rowSampling: "tree" }));
    expect(hash({ rowSampling: "tree" })).not.toBe(hash({}));
    // without subsampling there is nothing to draw: the same trees
    expect(hash({ subsample: 1, rowSampling: "tree" })).toBe(hash({ subsample: 1 }));
    expect(() => trainGbdt(rows, y3, { ...params, rowSampling: "leaf" as never })).toThrow(/rowSampling/);
  });

  it("measures gain and split importance", () => {
    const model = trainGbdt(rows, y, { objective: "binary", nEstimators: 20 });
    const gain = model.importance.gain;
    expect(gain[0]!).toBeGreaterThan(gain[1]!);
    expect(gain[1]!).toBeGreaterThan(Math.max(gain[2]!, gain[3]!, gain[4]!));
    expect(model.importance.splits[0]).toBeGreaterThan(0);
  });

  it("stops early on a validation set and keeps the best iteration", () => {
    const noisy = rows.map(() => (random.next() > 0.5 ? 1 : 0)); // pure noise: validation loss soon rises
    const model = trainGbdt(
      rows.slice(0, 1000),
      noisy.slice(0, 1000),
      { objective: "binary", nEstimators: 200, earlyStoppingRounds: 5, minSamplesLeaf: 2 },
      {
        validation: { rows: rows.slice(1000), y: noisy.slice(1000) },
      },
    );
    expect(model.trees.length).toBeLessThan(50);
    expect(model.validationLoss.length).toBe(model.trees.length + 5);
    // importance counts only the trees that were kept
    const kept = model.trees
      .flat()
      .flatMap((t) => t.nodes)
      .filter((n) => n.kind === "split").length;
    expect(model.importance.splits.reduce((a, b) => a + b, 0)).toBe(kept);
  });

  it("respects depth, leaf and sample limits", () => {
    const model = trainGbdt(rows, y, {
      objective: "binary",
      nEstimators: 5,
      maxDepth: 2,
      numLeaves: 64,
      minSamplesLeaf: 50,
    });
    for (const [tree] of model.trees) {
      expect(tree!.nodes.filter((n) => n.kind === "leaf").length).toBeLessThanOrEqual(4);
    }
    const stump = trainGbdt(rows, y, { objective: "binary", nEstimators: 1, numLeaves: 2 });
    expect(stump.trees[0]![0]!.nodes).toHaveLength(3);
  });

  it("class weights shift predictions toward the weighted class", () => {
    const rare = rows.map((r) => (r[0]! > 0.6 ? 1 : 0));
    const plain = trainGbdt(rows, rare, { objective: "binary", nEstimators: 10 });
    const weighted = trainGbdt(rows, rare, { objective: "binary", nEstimators: 10, classWeights: [1, 5] });
    const mean = (m: GbdtModel) =>
      (m.predict(rows) as number[][]).reduce((s, p) => s + p[1]!, 0) / rows.length;
    expect(mean(weighted)).toBeGreaterThan(mean(plain) + 0.05);
  });

  it("rejects bad data and params with clear errors", () => {
    expect(() => trainGbdt([], [], {})).toThrow(/non-empty/);
    expect(() => trainGbdt([[1], [1, 2]], [1, 2], {})).toThrow(/row 1 has 2 features/);
    expect(() => trainGbdt([[1], [2]], [0, 2], { objective: "binary" })).toThrow(/0 or 1/);
    expect(() => trainGbdt([[1], [2]], [0, 0.5], { objective: "multiclass" })).toThrow(/not valid/);
    expect(() => trainGbdt([[1], [2]], [0, Number.NaN], {})).toThrow(/not valid/);
    expect(() => trainGbdt([[1], [2]], [0, 1], { maxBins: 300 })).toThrow(/maxBins/);
    expect(() => trainGbdt([[1], [2]], [0, 1], { learningRate: 0 })).toThrow(/learningRate/);
    expect(() => trainGbdt([[1], [2]], [0, 1], { objective: "binary", classWeights: [1] })).toThrow(
      /2 weights/,
    );
    expect(() => trainGbdt([[1], [2]], [0, 1], { objective: "poisson" as never })).toThrow(
      /unknown objective/,
    );
    const model = trainGbdt([[1], [2]], [0, 1], { minSamplesLeaf: 1, nEstimators: 1 });
    expect(() => model.predictRaw([[1, 2]])).toThrow(/has 2 features/);
  });
});
