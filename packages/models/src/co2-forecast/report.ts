import type { ModelCard, ParityReport } from "@lockstep/onnx";
import type { BacktestResult } from "./forecaster.js";
import { describeStructure, type LocalTrendConfig } from "./local-trend.js";

const f = (value: number, digits = 4) => value.toFixed(digits);

/** The Markdown training report: backtest against baselines, structure, data and parity. */
export function renderReport(
  card: ModelCard,
  main: BacktestResult,
  short: BacktestResult | undefined,
  parity: ParityReport,
): string {
  const rows = [main, ...(short ? [short] : [])].flatMap((b) => [
    `| local trend + seasonality (Lockstep) | ${b.horizon} | ${f(b.model.mape)} | ${f(b.model.rmse)} | ${f(b.model.mase)} |`,
    `| seasonal naive | ${b.horizon} | ${f(b.snaive.mape)} | ${f(b.snaive.rmse)} | ${f(b.snaive.mase)} |`,
    `| seasonal naive + 5y drift | ${b.horizon} | ${f(b.snaiveDrift.mape)} | ${f(b.snaiveDrift.rmse)} | ${f(b.snaiveDrift.mase)} |`,
  ]);
  const structures = (card.params as { structures: LocalTrendConfig[] }).structures;
  const filled = (card.preprocessing?.filledMonths as string[] | undefined) ?? [];
  return [
    `# co2-forecast training report`,
    ``,
    card.description,
    ``,
    `## Backtest`,
    ``,
    String(card.evaluation.protocol),
    ``,
    `| model | horizon (months) | MAPE % | RMSE ppm | MASE |`,
    `| --- | ---: | ---: | ---: | ---: |`,
    ...rows,
    ``,
    `## Final forecaster`,
    ``,
    `The equal-weight average of the ${structures.length} structures that forecast the most recent data best:`,
    ``,
    ...structures.map((s) => `- ${describeStructure(s)}`),
    ``,
    `## Data`,
    ``,
    `- source: ${card.data.source}`,
    `- months: ${card.data.rows} (${String(card.data.start)} .. ${String(card.data.end)}), sha256 \`${card.data.sha256}\``,
    `- filled by interpolation: ${filled.length ? filled.join(", ") : "none"}`,
    ``,
    `## Export`,
    ``,
    `onnxruntime matches the trainer on ${parity.rows} windows; max |diff| ${parity.maxAbsDiff.toExponential(2)} ppm.`,
    ``,
  ].join("\n");
}
