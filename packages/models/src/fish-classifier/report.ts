import type { ModelCard, ParityReport } from "@lockstep/onnx";
import { confusionChart } from "../plots.js";
import { assetLink, timingsTable } from "../report-files.js";
import type { FishEvaluation } from "./evaluation.js";
import type { FishParams } from "./params.js";

const f = (value: number, digits = 4) => value.toFixed(digits);

/** The Markdown training report with the confusion-matrix chart. */
export function renderFishReport(
  card: ModelCard,
  params: FishParams,
  evaluation: FishEvaluation,
  timings: Record<string, number>,
  parity: ParityReport,
): { markdown: string; assets: Record<string, string> } {
  const { report } = evaluation;
  const labels = card.labels ?? [];
  const classes = (card.data.classes as { id: string; name: string; alias?: string; images: number }[]) ?? [];
  const markdown = [
    `# fish-classifier training report`,
    ``,
    card.description,
    ``,
    `Data: ${card.data.source}, ${card.data.rows} images in ${labels.length} classes and ${evaluation.groupsTotal} groups, sha256 \`${card.data.sha256.slice(0, 16)}…\`.`,
    ``,
    `## Cross-validation`,
    ``,
    String(card.evaluation.protocol),
    ``,
    `| model | accuracy | macro-F1 | top-3 accuracy |`,
    `| --- | ---: | ---: | ---: |`,
    `| **Lockstep** | **${f(report.accuracy)}** | **${f(report.macro.f1)}** | **${f(evaluation.top3)}** |`,
    ...evaluation.baselines.map((b) => `| ${b.name} | ${f(b.accuracy)} | ${f(b.macroF1)} | ${f(b.top3)} |`),
    ``,
    `| fold | test images | test groups | accuracy |`,
    `| ---: | ---: | ---: | ---: |`,
    ...evaluation.folds.map(
      (fold, i) => `| ${i + 1} | ${fold.images} | ${fold.groups} | ${f(fold.accuracy)} |`,
    ),
    ``,
    `| class | name | precision | recall | F1 | support |`,
    `| --- | --- | ---: | ---: | ---: | ---: |`,
    ...report.perClass.map(
      (c, i) =>
        `| ${classes[i]?.id ?? i} | ${labels[i]}${classes[i]?.alias ? ` (${classes[i]!.alias})` : ""} | ${f(c.precision)} | ${f(c.recall)} | ${f(c.f1)} | ${c.support} |`,
    ),
    ``,
    `![confusion matrix](${assetLink("confusion.svg")})`,
    ``,
    `## Preprocessing`,
    ``,
    "```json",
    JSON.stringify(card.preprocessing, null, 2),
    "```",
    ``,
    `## Timings and parity`,
    ``,
    ...timingsTable(timings),
    ``,
    `onnxruntime (one graph: preprocessing, ${params.backbone ? "backbone, head" : "CNN"}, softmax, top-k) matches the trainer on ${parity.rows} images: max |diff| ${parity.maxAbsDiff.toExponential(2)}.`,
    ``,
  ].join("\n");
  return {
    markdown,
    assets: {
      "confusion.svg": confusionChart("Confusion matrix, cross-validation", labels, report.confusion),
    },
  };
}
