import type { PermutationImportance } from "@lockstep/ml";
import type { ModelCard, ParityReport } from "@lockstep/onnx";
import { confusionChart, lineChart } from "../plots.js";
import { assetLink, timingsTable } from "../report-files.js";
import { CLASSES, describeBarriers, type Barriers } from "./labels.js";
import type { BtcParams } from "./params.js";
import type { Tuning } from "./search.js";
import { spread, type BtcEvaluation } from "./evaluation.js";

const f = (value: number, digits = 4) => value.toFixed(digits);
const pct = (value: number) => `${(value * 100).toFixed(1)}%`;
const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const foldSpread = (values: number[]) => {
  const { mean, sd } = spread(values);
  return `${f(mean)} ± ${f(sd)}`;
};
const labelLine = (card: ModelCard) => {
  const counts = (card.data as { labelCounts?: Record<string, number> }).labelCounts ?? {};
  const barriers = (card.serving as { barriers?: Barriers }).barriers;
  return `${CLASSES.map((c) => `${c} ${counts[c] ?? 0}`).join(", ")}${barriers ? ` (triple barrier ${describeBarriers(barriers)})` : ""}`;
};

/** The Markdown training report with its equity-curve and confusion-matrix charts. */
export function renderBtcReport(
  card: ModelCard,
  params: BtcParams,
  evaluation: BtcEvaluation,
  importance: PermutationImportance,
  tuning: Tuning,
  timings: Record<string, number>,
  parity: ParityReport,
): { markdown: string; assets: Record<string, string> } {
  const { report, backtest } = evaluation;
  const selected = new Set((card.serving as { featureNames: string[] }).featureNames);
  const ranked = [...importance.features].sort((a, b) => b.mean - a.mean);
  const trials = [...tuning.trials].filter((t) => t.state === "complete").sort((a, b) => b.value! - a.value!);
  const equity = lineChart({
    title: "Backtest over the evaluation folds (0.1% fee per trade)",
    series: [
      {
        name: "long on buy signals",
        color: "#1f77b4",
        points: backtest.equity.map((e) => ({ x: e.time, y: e.strategy })),
      },
      {
        name: "buy and hold",
        color: "#999999",
        dashed: true,
        points: backtest.equity.map((e) => ({ x: e.time, y: e.buyHold })),
      },
    ],
    yLabel: "equity (start = 1)",
    formatX: date,
    formatY: (y) => y.toFixed(2),
  });
  const confusion = confusionChart("Confusion matrix, evaluation folds", CLASSES, report.confusion);
  const markdown = [
    `# btc-signal training report`,
    ``,
    card.description,
    ``,
    `Data: ${card.data.source}, ${card.data.rows} candles ${card.data.start} .. ${card.data.end}, sha256 \`${card.data.sha256.slice(0, 16)}…\`; ${String(card.preprocessing?.gapCount)} gaps (bars whose label window spans one are not labelled).`,
    ``,
    `Labels: ${labelLine(card)}.`,
    ``,
    `## Evaluation`,
    ``,
    String(card.evaluation.protocol),
    ``,
    `| model | weighted AUC (OvR) | per fold: mean ± sd | macro-F1 | backtest return |`,
    `| --- | ---: | ---: | ---: | ---: |`,
    `| **Lockstep (selected features, tuned)** | **${f(evaluation.aucWeighted)}** | **${foldSpread(evaluation.folds.map((x) => x.auc))}** | **${f(report.macro.f1)}** | **${pct(backtest.strategyReturn)}** |`,
    ...evaluation.baselines.map(
      (b) =>
        `| ${b.name} | ${f(b.auc)} | ${foldSpread(b.foldAuc)} | ${f(b.macroF1)} | ${pct(b.backtestReturn)} |`,
    ),
    ``,
    `Accuracy ${f(report.accuracy)}.`,
    ``,
    `| fold | first bar | last bar | bars | weighted AUC |`,
    `| ---: | --- | --- | ---: | ---: |`,
    ...evaluation.folds.map(
      (fold, i) => `| ${i + 1} | ${fold.start} | ${fold.end} | ${fold.rows} | ${f(fold.auc)} |`,
    ),
    ``,
    `| class | precision | recall | F1 | support |`,
    `| --- | ---: | ---: | ---: | ---: |`,
    ...report.perClass.map(
      (c, i) => `| ${CLASSES[i]} | ${f(c.precision)} | ${f(c.recall)} | ${f(c.f1)} | ${c.support} |`,
    ),
    ``,
    `![confusion matrix](${assetLink("confusion.svg")})`,
    ``,
    `## Backtest`,
    ``,
    `Long on "buy", flat otherwise, position changes at the bar's close, ${params.feePct}% fee per trade.`,
    ``,
    `| strategy | return | trades | time in market |`,
    `| --- | ---: | ---: | ---: |`,
    `| long on buy signals | ${pct(backtest.strategyReturn)} | ${backtest.trades} | ${pct(backtest.exposure)} |`,
    ...evaluation.baselines.map((b) => `| long on ${b.name}'s buy signals | ${pct(b.backtestReturn)} | | |`),
    `| buy and hold | ${pct(backtest.buyHoldReturn)} | 1 | 100.0% |`,
    `| always flat | ${pct(0)} | 0 | 0.0% |`,
    ``,
    `![equity curve](${assetLink("equity.svg")})`,
    ``,
    `## Features`,
    ``,
    `Permutation importance (drop in weighted AUC when a feature is shuffled, mean over the inner folds); ${selected.size} of ${ranked.length} kept.`,
    ``,
    `| feature | importance | ± | kept |`,
    `| --- | ---: | ---: | :---: |`,
    ...ranked.map(
      (r) => `| ${r.name} | ${f(r.mean, 5)} | ${f(r.std, 5)} | ${selected.has(r.name) ? "✓" : ""} |`,
    ),
    ``,
    `## Tuning`,
    ``,
    `${tuning.trials.length} TPE trials (${tuning.trials.filter((t) => t.state === "pruned").length} pruned). Best inner AUC ${f(tuning.bestValue)}:`,
    ``,
    "```json",
    JSON.stringify(tuning.best, null, 2),
    "```",
    ``,
    `| trial | inner AUC | params |`,
    `| ---: | ---: | --- |`,
    ...trials
      .slice(0, 10)
      .map((t) => `| ${t.number + 1} | ${f(t.value!)} | \`${JSON.stringify(t.params)}\` |`),
    ``,
    `## Timings and parity`,
    ``,
    ...timingsTable(timings),
    ``,
    `onnxruntime matches the trainer on ${parity.rows} bars: max |diff| ${parity.maxAbsDiff.toExponential(2)}.`,
    ``,
  ].join("\n");
  return { markdown, assets: { "equity.svg": equity, "confusion.svg": confusion } };
}
