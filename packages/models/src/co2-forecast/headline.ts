import type { ModelCard } from "@lockstep/onnx";
import { cardMetric, headlineOf, type Headline, type HeadlineFigure } from "../headline.js";
import { EVAL_HORIZONS } from "./params.js";

const baseline = (card: ModelCard, metric: string, label: string): HeadlineFigure[] => {
  const value = cardMetric(card, metric);
  return value === undefined ? [] : [{ label, value }];
};

/** co2-forecast: MAPE per horizon beside the two baselines of the backtest, and interval coverage beside its nominal level. */
export function co2Headline(card: ModelCard): Headline[] {
  const level = (card.serving as { intervalLevel?: unknown } | undefined)?.intervalLevel;
  return headlineOf(
    card,
    EVAL_HORIZONS.flatMap((h) => [
      {
        metric: `mape_h${h}`,
        label: `MAPE ${h} months ahead`,
        unit: "%" as const,
        baselines: [
          ...baseline(card, `snaive_drift_mape_h${h}`, "seasonal naive with drift"),
          ...baseline(card, `local_trend_mape_h${h}`, "trend and seasonality alone"),
        ],
      },
      {
        metric: `interval_coverage_h${h}`,
        label: `interval coverage ${h} months ahead`,
        unit: "%" as const,
        scale: 100,
        baselines: typeof level === "number" ? [{ label: "nominal", value: level }] : [],
      },
    ]),
  );
}
