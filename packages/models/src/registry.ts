import { btcSignal } from "./btc-signal/index.js";
import { co2Forecast } from "./co2-forecast/index.js";
import { fishClassifier } from "./fish-classifier/index.js";
import { ModelError } from "./errors.js";
import type { ModelSpec } from "./spec.js";

/** Every model Lockstep knows. A new model is one folder here and one line below. */
export const models: Record<string, ModelSpec> = {
  [co2Forecast.name]: co2Forecast,
  [btcSignal.name]: btcSignal,
  [fishClassifier.name]: fishClassifier,
};

export function getModel(name: string): ModelSpec {
  const spec = Object.hasOwn(models, name) ? models[name] : undefined;
  if (!spec) {
    throw new ModelError(
      "MODEL_UNKNOWN",
      `unknown model "${name}" (known: ${Object.keys(models).join(", ")})`,
    );
  }
  return spec;
}
