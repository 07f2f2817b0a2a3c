import { cardMetadata, checkParity, withMetadata, type ModelCard } from "@lockstep/onnx";
import { formatHeadline } from "./headline.js";
import type { ModelSpec, TrainContext, TrainedModel } from "./spec.js";

/** The report with its headline lines under its title: what a reader sees first. */
function withHeadline(markdown: string, lines: string[]): string {
  if (lines.length === 0) return markdown;
  const glance = `**At a glance**\n\n${lines.map((line) => `- ${line}`).join("\n")}\n`;
  const title = /^# [^\n]*\n/.exec(markdown);
  return title ? `${title[0]}\n${glance}${markdown.slice(title[0].length)}` : `${glance}\n${markdown}`;
}

/**
 * Trains a model through its spec: the trainer returns what is its own; the card gets the fields
 * every card has (name, task, the params asked for, seed, metrics, trainer), goes into the ONNX
 * file, and onnxruntime must then reproduce the trainer's own predictions (the parity check).
 */
export async function trainModel<Data, Params extends { seed: number }>(
  spec: ModelSpec<Data, Params>,
  data: Data,
  params: Params,
  context: TrainContext,
): Promise<TrainedModel> {
  const own = await spec.train(data, params, context);
  const card: ModelCard = {
    ...own.card,
    cardVersion: 1,
    name: spec.name,
    task: spec.task,
    params: { ...params },
    seed: params.seed,
    metrics: own.metrics,
    trainer: spec.trainer,
  };
  const onnx = withMetadata(own.model, cardMetadata(card), card.description);
  const { input, output, rows } = own.parity;
  const parity = await checkParity(onnx, input, output);
  context.log(
    `parity: onnxruntime matches the trainer on ${parity.rows} ${rows} (max |diff| ${parity.maxAbsDiff.toExponential(2)})`,
  );
  const { markdown, assets } = own.report(card, parity);
  return {
    onnx,
    card,
    metrics: own.metrics,
    evaluation: {
      protocol: card.evaluation.protocol,
      dataset: card.data.source,
      datasetSha256: card.data.sha256,
      ...(own.folds ? { folds: own.folds } : {}),
    },
    report: withHeadline(markdown, (spec.headline?.(card) ?? []).map(formatHeadline)),
    ...(assets ? { assets } : {}),
    parity,
    ...(own.timings ? { timings: own.timings } : {}),
  };
}
