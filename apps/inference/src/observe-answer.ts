import type { Metrics } from "./metrics.js";
import type { LoadedModel } from "./model-registry.js";

/** Counts predicted classes and observes predicted values, as the model's spec declares them. */
export function observeAnswer(metrics: Metrics, model: LoadedModel, answer: Record<string, unknown>): void {
  const observer = model.spec.serving.observe;
  if (!observer) return;
  try {
    for (const label of observer.classes?.(answer) ?? []) {
      metrics.predictions.inc({ model: model.name, class: label });
    }
    if (observer.values) {
      const { metric, help, buckets, of } = observer.values;
      const histogram = metrics.valueHistogram(metric, help, buckets);
      for (const value of of(answer)) histogram.observe({ model: model.name }, value);
    }
  } catch {
    // metrics must never fail a request that succeeded
  }
}
