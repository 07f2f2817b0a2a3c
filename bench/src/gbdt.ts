// GBDT: training time and accuracy on a fixed, seeded 16k x 30 task, beside logistic regression
// (a linear reference trained in the same script), and onnxruntime latency of the exported trees.
import { exportTreeEnsemble } from "@lockstep/onnx";
import { accuracy, Random, rocAuc, trainGbdt } from "@lockstep/ml";
import { ortLatency } from "./ort-latency.js";

function task(n: number, seed: number) {
  const random = new Random(seed);
  const rows = Array.from({ length: n }, () =>
    Array.from({ length: 30 }, () => Math.fround(random.normal())),
  );
  const y = rows.map((r) =>
    r[0]! + r[1]! * r[2]! + Math.sin(2 * r[3]!) + 0.5 * Math.abs(r[4]!) - 0.4 + 0.5 * random.normal() > 0
      ? 1
      : 0,
  );
  return { rows, y };
}

function logisticRegression(rows: number[][], y: number[], epochs: number) {
  const width = rows[0]!.length;
  const w = new Float64Array(width + 1);
  const lr = 0.1;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const grad = new Float64Array(width + 1);
    for (let i = 0; i < rows.length; i++) {
      let z = w[width]!;
      for (let j = 0; j < width; j++) z += w[j]! * rows[i]![j]!;
      const e = 1 / (1 + Math.exp(-z)) - y[i]!;
      for (let j = 0; j < width; j++) grad[j]! += e * rows[i]![j]!;
      grad[width]! += e;
    }
    for (let j = 0; j <= width; j++) w[j]! -= (lr * grad[j]!) / rows.length;
  }
  return (r: number[]) => {
    let z = w[width]!;
    for (let j = 0; j < width; j++) z += w[j]! * r[j]!;
    return 1 / (1 + Math.exp(-z));
  };
}

export async function gbdtBench() {
  console.log("## GBDT: binary task, 16,000 x 30 train / 4,000 test (seeded)\n");
  const train = task(16_000, 1);
  const test = task(4_000, 2);
  let t = performance.now();
  const model = trainGbdt(train.rows, train.y, {
    objective: "binary",
    nEstimators: 100,
    maxDepth: 6,
    numLeaves: 64,
  });
  const gbdtSeconds = (performance.now() - t) / 1000;
  const gbdtP = (model.predict(test.rows) as number[][]).map((p) => p[1]!);
  t = performance.now();
  const logistic = logisticRegression(train.rows, train.y, 200);
  const lrSeconds = (performance.now() - t) / 1000;
  const lrP = test.rows.map(logistic);
  const acc = (p: number[]) =>
    accuracy(
      test.y,
      p.map((v) => (v > 0.5 ? 1 : 0)),
    );
  console.log("| model | train s | accuracy | ROC AUC |\n| --- | ---: | ---: | ---: |");
  console.log(
    `| GBDT 100 trees, depth 6, 64 leaves, 255 bins | ${gbdtSeconds.toFixed(2)} | ${acc(gbdtP).toFixed(4)} | ${rocAuc(test.y, gbdtP).toFixed(4)} |`,
  );
  console.log(
    `| logistic regression (200 full-batch GD epochs) | ${lrSeconds.toFixed(2)} | ${acc(lrP).toFixed(4)} | ${rocAuc(test.y, lrP).toFixed(4)} |`,
  );
  console.log(
    `ratio train time GBDT / logistic: ${(gbdtSeconds / lrSeconds).toFixed(2)}x; FINDINGS reference: ~2 s for 100 depth-6 trees on 16k x 30\n`,
  );
  const onnx = exportTreeEnsemble(model.toEnsemble());
  const latency = await ortLatency(onnx, "features", 30, (rows) =>
    Float32Array.from(test.rows.slice(0, rows).flat()),
  );
  console.log(
    `onnxruntime, exported GBDT (${onnx.length} bytes): batch 1 ${latency.batch1Us.toFixed(0)} µs/call, batch 64 ${Math.round(latency.batch64RowsPerSecond).toLocaleString("en")} rows/s\n`,
  );
}
