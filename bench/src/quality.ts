// Model quality on the reference data in ../shared/data (skipped when it is absent):
//   npm run bench:quality
// Each model trains with its default params, as `lockstep train` would, and prints its metrics
// beside the figures the issue quotes for the source system and common baselines.
import { existsSync, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { trainCandidate } from "@lockstep/models";

const shared = resolve(dirname(fileURLToPath(import.meta.url)), "../../../shared");

interface QualityRun {
  model: string;
  data: string;
  params?: Record<string, unknown>;
  /** Other reference files the run needs. */
  needs?: string[];
  reference: string;
}

const runs: QualityRun[] = [
  {
    model: "btc-signal",
    data: join(shared, "data/btcusdt_4h.json"),
    reference:
      "same protocol (5 expanding folds over the last half, purge 10): majority AUC 0.50 / macro-F1 0.20; logistic regression 0.548 / 0.374; a hand-tuned boosting library 0.537 / 0.356; target >= 0.55 / 0.37",
  },
  {
    model: "fish-classifier",
    data: join(shared, "data/fish4knowledge"),
    params: { backbone: join(shared, "models/mobilenetv2-12-int8.onnx"), group: "fish_(\\d+)_" },
    needs: [join(shared, "models/mobilenetv2-12-int8.onnx")],
    reference:
      "MobileNetV2 int8 features, 5-fold track-disjoint: nearest centroid 69% accuracy; a well-fitted linear head about 84% accuracy, 0.80 macro-F1, 96% top-3",
  },
];

for (const run of runs) {
  console.log(`## ${run.model} on ${run.data}\n`);
  const missing = [run.data, ...(run.needs ?? [])].filter((path) => !existsSync(path));
  if (missing.length) {
    console.log(`skipped: ${missing.join(", ")} absent (reference data lives in ../shared)\n`);
    continue;
  }
  const started = performance.now();
  const dir = await mkdtemp(join(tmpdir(), "lockstep-quality-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const candidate = await trainCandidate({
    model: run.model,
    data: run.data,
    params: run.params,
    context: { log: () => {}, baseDir: dir },
  });
  const seconds = (performance.now() - started) / 1000;
  console.log("| metric | value |\n| --- | ---: |");
  for (const [k, v] of Object.entries(candidate.trained.metrics)) console.log(`| ${k} | ${v} |`);
  console.log(`\ntrained in ${seconds.toFixed(1)} s; reference: ${run.reference}\n`);
}
