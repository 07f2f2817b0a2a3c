import type { ModelCard } from "@lockstep/onnx";
import { cardMetric, evaluationBaselines, headlineOf, type Headline } from "../headline.js";

/** btc-signal: walk-forward AUC beside the evaluation's baselines, and the backtest beside buy-and-hold and staying flat. */
export function btcHeadline(card: ModelCard): Headline[] {
  const buyHold = cardMetric(card, "buy_hold_return");
  return headlineOf(card, [
    {
      metric: "auc_ovr_weighted",
      label: "AUC (weighted one-vs-rest)",
      baselines: evaluationBaselines(card, "auc"),
    },
    {
      metric: "backtest_return",
      label: "backtest return",
      unit: "%",
      scale: 100,
      baselines: [
        ...(buyHold === undefined ? [] : [{ label: "buy-and-hold", value: buyHold }]),
        { label: "always flat", value: 0 },
        ...evaluationBaselines(card, "backtestReturn").filter((b) => b.label === "logistic regression"),
      ],
    },
  ]);
}
