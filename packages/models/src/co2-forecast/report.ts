import type { ModelCard, ParityReport } from "@lockstep/onnx";
import { lineChart, type Band, type LineSeries } from "../plots.js";
import { assetLink, timingsTable } from "../report-files.js";
import { FORECASTERS, type BacktestResult, type ForecasterName } from "./backtest.js";
import type { MonthlySeries } from "./data.js";
import { describeStructure, type LocalTrendConfig } from "./local-trend.js";
import { monthIndex, monthLabel } from "./months.js";
import type { Co2Params } from "./params.js";
import type { Interval } from "./intervals.js";

const f = (value: number, digits = 4) => value.toFixed(digits);

/** How the intervals were calibrated, from the card. */
function calibrationLine(card: ModelCard): string {
  const scales = Object.entries(card.metrics).filter(([name]) => name.startsWith("interval_scale_"));
  if (scales.length === 0) return "";
  return `Each origin's interval was scaled by what the other origins' errors give (cross-conformal): a scale per 12 months ahead, held at each band's middle month and linear between them; the exported intervals by ${scales.map(([, v]) => v).join(" (6.5 months ahead) to ")} (18.5 months and beyond).`;
}
const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"];

/** The Markdown training report with the backtest and the final forecast as charts. */
export function renderCo2Report(
  card: ModelCard,
  params: Co2Params,
  structures: LocalTrendConfig[],
  series: MonthlySeries,
  result: BacktestResult,
  final: { forecast: number[]; interval: Interval },
  timings: Record<string, number>,
  parity: ParityReport,
): { markdown: string; assets: Record<string, string> } {
  const values = series.values;
  const start = monthIndex(series.start);
  const level = Math.round(params.intervalLevel * 100);
  const longest = Math.max(...result.horizons.map((h) => h.horizon));
  const firstOrigin = result.origins[0]!.origin;
  const actual: LineSeries = {
    name: "actual",
    color: "#333333",
    points: values.slice(firstOrigin - 24).map((y, i) => ({ x: firstOrigin - 24 + i, y })),
  };
  const backtested = result.origins.filter((o) => o.forecasts.lstm.length === longest);
  const backtestChart = lineChart({
    title: `Backtest: LSTM forecasts (${longest} months) from each origin, ${level}% intervals`,
    series: [
      actual,
      ...backtested.map((o, i) => ({
        name: `from ${monthLabel(start + o.origin)}`,
        color: COLORS[i % COLORS.length]!,
        dashed: true,
        points: o.forecasts.lstm.map((y, h) => ({ x: o.origin + h, y })),
      })),
    ],
    bands: backtested.map((o, i): Band => ({
      name: "",
      color: COLORS[i % COLORS.length]!,
      points: o.forecasts.lstm.map((y, h) => ({
        x: o.origin + h,
        lower: y + o.interval.lower[h]!,
        upper: y + o.interval.upper[h]!,
      })),
    })),
    yLabel: "CO2 (ppm)",
    formatX: (x) => monthLabel(start + Math.round(x)),
    formatY: (y) => y.toFixed(0),
  });
  const end = values.length;
  const forecastChart = lineChart({
    title: `Forecast after ${String(card.data.end)} with its ${level}% interval`,
    series: [
      {
        name: "actual",
        color: "#333333",
        points: values.slice(end - 120).map((y, i) => ({ x: end - 120 + i, y })),
      },
      { name: "forecast", color: COLORS[0]!, points: final.forecast.map((y, h) => ({ x: end + h, y })) },
    ],
    bands: [
      {
        name: `${level}% interval`,
        color: COLORS[0]!,
        points: final.forecast.map((y, h) => ({
          x: end + h,
          lower: y + final.interval.lower[h]!,
          upper: y + final.interval.upper[h]!,
        })),
      },
    ],
    yLabel: "CO2 (ppm)",
    formatX: (x) => monthLabel(start + Math.round(x)),
    formatY: (y) => y.toFixed(0),
  });
  const rows = result.horizons.flatMap(({ horizon, scores }) =>
    (Object.keys(FORECASTERS) as ForecasterName[]).map((name) => {
      const s = scores[name];
      const cells = `${horizon} | ${f(s.mape)} | ${f(s.rmse)} | ${f(s.mase)}`;
      return name === "lstm"
        ? `| **${FORECASTERS[name]}** | **${cells.split(" | ").join("** | **")}** |`
        : `| ${FORECASTERS[name]} | ${cells} |`;
    }),
  );
  const filled = (card.preprocessing?.filledMonths as string[] | undefined) ?? [];
  const training = card.evaluation.training as {
    epochs: number;
    bestEpoch: number;
    validationLoss: number;
  }[];
  const markdown = [
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
    `The ${level}% intervals held ${result.horizons.map((h) => `${(card.metrics[`interval_coverage_h${h.horizon}`]! * 100).toFixed(1)}% of the actual values at h${h.horizon}`).join(" and ")} (from ${result.horizons[0]!.origins.length} origins: a rough check). ${calibrationLine(card)}`,
    ``,
    `![backtest](${assetLink("backtest.svg")})`,
    ``,
    `## Final model`,
    ``,
    `- base: the equal-weight average of the ${structures.length} trend + seasonality structures that forecast the most recent data best:`,
    ...structures.map((s) => `  - ${describeStructure(s)}`),
    `- LSTM: ${params.members} x LSTM(${params.units}, sigmoid gates) over the last ${params.sequenceLength} residuals, dense to ${params.maxHorizon} horizons, averaged; early stopping on the most recent ${Math.round(params.validationFraction * 100)}% of windows:`,
    ...training.map(
      (m, i) =>
        `  - member ${i + 1}: ${m.epochs} epochs, best ${m.bestEpoch}, validation loss ${f(m.validationLoss)}`,
    ),
    `- intervals: ${level}% empirical quantiles of its errors at each horizon on the windows after the last training window`,
    ``,
    `![forecast](${assetLink("forecast.svg")})`,
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
    `## Training time`,
    ``,
    ...timingsTable(timings),
    ``,
  ].join("\n");
  return { markdown, assets: { "backtest.svg": backtestChart, "forecast.svg": forecastChart } };
}
