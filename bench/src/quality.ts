// Model quality on the reference data in ../shared/data (skipped when it is absent):
//   npm run bench:quality
// Each model trains with its default params, as `lockstep train` would, and prints its metrics
// beside the figures the issue quotes for the source system and common baselines.
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { trainCandidate } from "@lockstep/models";

const shared = resolve(dirname(fileURLToPath(import.meta.url)), "../../../shared");

interface QualityRun {
  model: string;
  data: string;
  reference: string;
}

const runs: QualityRun[] = [
  {
    model: "btc-signal",
    data: join(shared, "data/btcusdt_4h.json"),
    reference:
      "same protocol (5 expanding folds over the last half, purge 10): majority AUC 0.50 / macro-F1 0.20; logistic regression 0.548 / 0.374; a hand-tuned boosting library 0.537 / 0.356; target >= 0.55 / 0.37",
  },
];

for (const run of runs) {
  console.log(`## ${run.model} on ${run.data}\n`);
  if (!existsSync(run.data)) {
    console.log(`skipped: ${run.data} is absent (reference data lives in ../shared/data)\n`);
    continue;
  }
  const started = performance.now();
  const dir = await mkdtemp(join(tmpdir(), "lockstep-quality-"));
  const candidate = await trainCandidate({
    model: run.model,
    data: run.data,
    context: { log: () => {}, baseDir: dir },
  });
  const seconds = (performance.now() - started) / 1000;
  console.log("| metric | value |\n| --- | ---: |");
  for (const [k, v] of Object.entries(candidate.trained.metrics)) console.log(`| ${k} | ${v} |`);
  console.log(`\ntrained in ${seconds.toFixed(1)} s; reference: ${run.reference}\n`);
}
