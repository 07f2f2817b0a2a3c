import { binShares, jensenShannon, psi, type FeatureProfile } from "@lockstep/ml";
import type { FieldValue } from "./record.js";

/** A card's reference profile, as far as drift needs it. */
export interface ProfileLike {
  features: Record<string, FeatureProfile>;
  predictions: Record<string, FeatureProfile>;
}

/** Fields watched per side at most: a label's cardinality stays bounded whatever a card says. */
export const MAX_WATCHED_FIELDS = 64;

/** The last `size` values of one field: numbers in a ring of doubles, categories in a ring of strings. */
class FieldWindow {
  private readonly values: Float64Array | (string | undefined)[];
  private next = 0;
  count = 0;

  constructor(
    readonly profile: FeatureProfile,
    readonly size: number,
  ) {
    this.values = profile.kind === "numeric" ? new Float64Array(size) : new Array<string | undefined>(size);
  }

  add(value: FieldValue): void {
    if (this.profile.kind === "numeric") {
      if (typeof value !== "number" || !Number.isFinite(value)) return;
      (this.values as Float64Array)[this.next] = value;
    } else {
      if (typeof value !== "string") return;
      (this.values as (string | undefined)[])[this.next] = value;
    }
    this.next = (this.next + 1) % this.size;
    this.count = Math.min(this.count + 1, this.size);
  }

  /** PSI against the profile's bins (numeric) or Jensen–Shannon divergence (categorical). */
  statistic(): number {
    if (this.profile.kind === "numeric") {
      const values = (this.values as Float64Array).subarray(0, this.count);
      return psi(this.profile.shares, binShares(values, this.profile.edges));
    }
    const counts: Record<string, number> = {};
    for (let i = 0; i < this.count; i++) {
      const v = (this.values as string[])[i]!;
      counts[v] = (counts[v] ?? 0) + 1;
    }
    return jensenShannon(this.profile.shares, counts);
  }
}

const windowsOf = (profiles: Record<string, FeatureProfile>, size: number) =>
  new Map(
    Object.entries(profiles)
      .slice(0, MAX_WATCHED_FIELDS)
      .map(([name, profile]) => [name, new FieldWindow(profile, size)] as const),
  );

/**
 * A model's recent features and predictions against its card's reference profile: a rolling
 * window per field, compared when asked (on a Prometheus scrape, not per request). A field reports
 * once it holds `minCount` values.
 */
export class DriftWindow {
  private readonly features: Map<string, FieldWindow>;
  private readonly predictions: Map<string, FieldWindow>;

  constructor(
    profile: ProfileLike,
    readonly size = 1000,
    readonly minCount = 100,
  ) {
    this.features = windowsOf(profile.features ?? {}, size);
    this.predictions = windowsOf(profile.predictions ?? {}, size);
  }

  add(features: Record<string, FieldValue>, prediction: Record<string, FieldValue>): void {
    for (const [name, window] of this.features) {
      const value = features[name];
      if (value !== undefined) window.add(value);
    }
    for (const [name, window] of this.predictions) {
      const value = prediction[name];
      if (value !== undefined) window.add(value);
    }
  }

  private statistics(windows: Map<string, FieldWindow>): Map<string, number> {
    const out = new Map<string, number>();
    for (const [name, window] of windows)
      if (window.count >= this.minCount) out.set(name, window.statistic());
    return out;
  }

  /** Each watched feature's statistic, for the features with enough values. */
  featureDrift(): Map<string, number> {
    return this.statistics(this.features);
  }

  /** The largest statistic over the prediction fields, once one has enough values. */
  predictionDrift(): number | undefined {
    const values = [...this.statistics(this.predictions).values()];
    return values.length === 0 ? undefined : Math.max(...values);
  }
}
