import type { ModelCard } from "@lockstep/onnx";
import { evaluationBaselines, headlineOf, type Headline } from "../headline.js";

/** fish-classifier: cross-validated accuracy and macro-F1 beside the baselines on the same folds. */
export function fishHeadline(card: ModelCard): Headline[] {
  return headlineOf(card, [
    {
      metric: "accuracy",
      label: "accuracy",
      unit: "%",
      scale: 100,
      baselines: evaluationBaselines(card, "accuracy"),
    },
    { metric: "macro_f1", label: "macro-F1", baselines: evaluationBaselines(card, "macroF1") },
    {
      metric: "top3_accuracy",
      label: "top-3 accuracy",
      unit: "%",
      scale: 100,
      baselines: evaluationBaselines(card, "top3"),
    },
  ]);
}
