// Lockstep's GBDT beside xgboost's `hist` method on btc-signal's own task: the features and
// triple-barrier labels of ../shared/data/btcusdt_4h.json, split into purged expanding walk-forward
// folds as btc-signal evaluates, the same params on both, in this one script. Figures only.
//   npm run bench:gbdt-xgboost        BENCH_FOLDS=1 (the largest fold only) narrows it
// xgboost comes from Debian (apt-get install python3-xgboost), run by /usr/bin/python3 with 2 threads.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { rocAucOvr, trainGbdt, walkForward, type GbdtParams } from "@lockstep/ml";
import { btc } from "@lockstep/models";

const DATA = resolve(import.meta.dirname, "../../../shared/data/btcusdt_4h.json");
const PYTHON = "/usr/bin/python3";
const FOLDS = Number(process.env.BENCH_FOLDS ?? 5);

/** The params of the measurement, as xgboost takes them: 300 rounds, depth 6, learning rate 0.05, 0.8 subsampling. */
export const XGB_TASK_PARAMS: Partial<GbdtParams> = {
  objective: "multiclass",
  numClasses: 3,
  nEstimators: 300,
  learningRate: 0.05,
  maxDepth: 6,
  // depth 6 grown depth-wise holds at most 64 leaves: the same bound as xgboost's
  numLeaves: 64,
  subsample: 0.8,
  colsample: 0.8,
  lambda: 1,
  minHessianLeaf: 1,
  minSamplesLeaf: 1,
  maxBins: 255,
  seed: 0,
};

/**
 * The same model in Lockstep's terms. xgboost's softmax objective takes 2·p·(1 − p) as each row's
 * hessian where Lockstep (and LightGBM's binary case) takes p·(1 − p): with twice the hessian a
 * leaf is −G / (2H + λ) · η = −G / (H + λ/2) · η/2, and min_child_weight w bounds 2H ≥ w. So
 * halving η, λ and the minimum hessian gives xgboost's leaves and splits (gains scale by ½, which
 * moves no argmax); and rows are drawn per tree, as xgboost draws them.
 */
export const LOCKSTEP_TASK_PARAMS: Partial<GbdtParams> = {
  ...XGB_TASK_PARAMS,
  // xgboost draws each tree's rows, not one sample for a round's K trees
  rowSampling: "tree",
  learningRate: XGB_TASK_PARAMS.learningRate! / 2,
  lambda: XGB_TASK_PARAMS.lambda! / 2,
  minHessianLeaf: XGB_TASK_PARAMS.minHessianLeaf! / 2,
};
const SEEDS = Number(process.env.BENCH_SEEDS ?? 5);

const XGB_SCRIPT = `
import json, sys, time
import numpy as np
import xgboost as xgb
job = json.load(open(sys.argv[1]))
p = job["params"]
train = xgb.DMatrix(np.array(job["x"], dtype=np.float32), label=np.array(job["y"]))
test = xgb.DMatrix(np.array(job["xt"], dtype=np.float32))
params = {"objective": "multi:softprob", "num_class": 3, "tree_method": "hist", "nthread": 2,
  "max_depth": p["maxDepth"], "eta": p["learningRate"], "subsample": p["subsample"],
  "colsample_bytree": p["colsample"], "lambda": p["lambda"], "min_child_weight": p["minHessianLeaf"],
  "max_bin": p["maxBins"], "seed": p["seed"], "verbosity": 0}
runs = []
for seed in range(job["seeds"]):
    params["seed"] = seed
    started = time.perf_counter()
    booster = xgb.train(params, train, num_boost_round=p["nEstimators"])
    runs.append({"seconds": time.perf_counter() - started, "probabilities": booster.predict(test).tolist()})
print(json.dumps({"runs": runs, "version": xgb.__version__}))
`;

const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

const hasXgboost = () =>
  existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import xgboost"], { stdio: "ignore" }).status === 0;

interface FoldResult {
  rows: number;
  lockstepSeconds: number;
  lockstepAuc: number;
  xgboost?: { seconds: number; auc: number; version: string };
}

async function xgboostFold(x: number[][], y: number[], xt: number[][], yt: number[], dir: string) {
  const job = join(dir, "job.json");
  await writeFile(job, JSON.stringify({ x, y, xt, params: XGB_TASK_PARAMS, seeds: SEEDS }));
  await writeFile(join(dir, "fit.py"), XGB_SCRIPT);
  const run = spawnSync(PYTHON, [join(dir, "fit.py"), job], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`xgboost failed: ${run.stderr}`);
  const out = JSON.parse(run.stdout) as {
    runs: { seconds: number; probabilities: number[][] }[];
    version: string;
  };
  return {
    seconds: mean(out.runs.map((r) => r.seconds)),
    auc: mean(out.runs.map((r) => rocAucOvr(yt, r.probabilities, "weighted"))),
    version: out.version,
  };
}

/** The task's folds: btc-signal's features and labels, purged walk-forward over the last half. */
export async function btcTask() {
  const series = btc.parseCandles(await readFile(DATA, "utf8"), DATA);
  const data = btc.buildDataset(series, { upperPct: 1.5, lowerPct: 1.5, horizonBars: 10 });
  const n = data.rows.length;
  const folds = walkForward(n, { folds: 5, testSize: Math.floor((n * 0.5) / 5), purge: 10 });
  return { data, folds };
}

export async function gbdtXgboostBench(): Promise<FoldResult[] | undefined> {
  if (!existsSync(DATA)) {
    console.log(`GBDT beside xgboost: skipped, ${DATA} is absent (see ../shared/data/SOURCES.md)`);
    return undefined;
  }
  const xgboost = hasXgboost();
  if (!xgboost)
    console.log("xgboost is not installed (apt-get install python3-xgboost): Lockstep's side only");
  const { data, folds } = await btcTask();
  const dir = await mkdtemp(join(tmpdir(), "lockstep-xgb-"));
  const results: FoldResult[] = [];
  try {
    for (const split of folds.slice(-FOLDS).reverse()) {
      const x = split.train.map((i) => data.rows[i]!);
      const y = split.train.map((i) => data.y[i]!);
      const xt = split.test.map((i) => data.rows[i]!);
      const yt = split.test.map((i) => data.y[i]!);
      const seconds: number[] = [];
      const aucs: number[] = [];
      for (let seed = 0; seed < SEEDS; seed++) {
        const started = performance.now();
        const model = trainGbdt(x, y, { ...LOCKSTEP_TASK_PARAMS, seed });
        seconds.push((performance.now() - started) / 1000);
        aucs.push(rocAucOvr(yt, model.predict(xt) as number[][], "weighted"));
      }
      const lockstepSeconds = mean(seconds);
      const lockstepAuc = mean(aucs);
      results.push({
        rows: x.length,
        lockstepSeconds,
        lockstepAuc,
        ...(xgboost ? { xgboost: await xgboostFold(x, y, xt, yt, dir) } : {}),
      });
      console.error(`fold of ${x.length} rows done`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const version = results[0]?.xgboost?.version;
  console.log(
    [
      `## GBDT beside xgboost ${version ?? "(absent)"} hist: btc-signal's task, ${data.rows[0]!.length} features, 3 classes, 300 rounds, depth 6, learning rate 0.05 (Lockstep: 0.025 with λ and the minimum hessian halved, xgboost's softmax hessian being twice Lockstep's), 0.8 subsampling; means of ${SEEDS} seeds`,
      "",
      "| train rows | Lockstep s | xgboost s (2 threads) | Lockstep / xgboost | Lockstep AUC | xgboost AUC |",
      "| ---: | ---: | ---: | ---: | ---: | ---: |",
      ...results.map(
        (r) =>
          `| ${r.rows} | ${r.lockstepSeconds.toFixed(2)} | ${r.xgboost ? r.xgboost.seconds.toFixed(2) : "–"} | ${r.xgboost ? (r.lockstepSeconds / r.xgboost.seconds).toFixed(2) : "–"} | ${r.lockstepAuc.toFixed(4)} | ${r.xgboost ? r.xgboost.auc.toFixed(4) : "–"} |`,
      ),
      "",
    ].join("\n"),
  );
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) await gbdtXgboostBench();
