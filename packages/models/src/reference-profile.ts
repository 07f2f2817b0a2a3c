import { categoricalProfile, numericProfile, type FeatureProfile } from "@lockstep/ml";

/**
 * The card's reference profile for drift checks: the distribution of each model input (or the
 * features a monitor can compute the same way from raw data) and of the model's predictions on
 * the evaluation data. Quantiles at 5% steps and decile bins keep the card small.
 */
export interface ReferenceProfile {
  /** Which rows the profile describes (e.g. "the last 120 months", "all training images"). */
  description: string;
  features: Record<string, FeatureProfile>;
  predictions: Record<string, FeatureProfile>;
}

type Column = ArrayLike<number> | readonly (string | null | undefined)[];

const profileOf = (values: Column): FeatureProfile =>
  typeof values[0] === "number"
    ? numericProfile(values as ArrayLike<number>, { bins: 10, resolution: 20 })
    : categoricalProfile(values as readonly (string | null | undefined)[]);

const profiles = (columns: Record<string, Column>) =>
  Object.fromEntries(Object.entries(columns).map(([name, values]) => [name, profileOf(values)]));

export function referenceProfile(
  description: string,
  features: Record<string, Column>,
  predictions: Record<string, Column>,
): ReferenceProfile {
  return { description, features: profiles(features), predictions: profiles(predictions) };
}
