import { binShares, type FeatureProfile } from "@lockstep/ml";
import { columnDrift, type ColumnDrift, type Thresholds } from "./drift-tests.js";
import { MonitorError } from "./errors.js";
import type { ProfileLike } from "./online-drift.js";
import type { LogRead } from "./read-log.js";
import type { RealisedReport } from "./realised.js";

export interface MonitorOptions extends Thresholds {
  /** The share of drifted columns at which the whole window counts as drifted (default 0.5). */
  driftShare?: number;
}

export interface MonitorResult {
  model: string;
  version: string;
  sha256: string;
  window: {
    from?: string;
    to?: string;
    records: number;
    /** Records answered from the cache (read back from Redis, they carry no features). */
    cached: number;
    skipped: { invalid: number; otherModel: number; otherArtifact: number; older: number };
  };
  features: ReportedColumn[];
  predictions: ReportedColumn[];
  /** Columns with drift over columns tested. */
  driftShare: number;
  driftShareThreshold: number;
  latencyMs: { p50: number; p99: number };
  /** drift: the inputs or predictions moved; degraded: the realised metric is worse than the pin allows. */
  status: "healthy" | "drift" | "degraded";
  /** Where the window came from: the prediction log, or new data predicted in a batch. */
  source?: "log" | "data";
  /** With new data whose truth arrived: the realised metric beside the pinned one. */
  realised?: RealisedReport;
  /** Profile columns that had no values in the window. */
  untested: string[];
}

/** A column's shares by bin (numbers: the reference's decile bins) or by category, reference beside current. */
export interface Histogram {
  labels: string[];
  reference: number[];
  current: number[];
}

export type ReportedColumn = ColumnDrift & { histogram: Histogram };

const short = (v: number) => Number(v.toPrecision(3)).toString();

function histogramOf(profile: FeatureProfile, values: unknown[]): Histogram {
  if (profile.kind === "numeric") {
    const numbers = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    const e = profile.edges;
    const labels = [
      `< ${short(e[0] ?? 0)}`,
      ...e.slice(1).map((edge, i) => `${short(e[i]!)}–${short(edge)}`),
      `≥ ${short(e.at(-1) ?? 0)}`,
    ];
    return { labels: e.length ? labels : ["all"], reference: profile.shares, current: binShares(numbers, e) };
  }
  const labels = values.filter((v): v is string => typeof v === "string");
  const categories = [...new Set([...Object.keys(profile.shares), ...labels])].sort().slice(0, 50);
  const counts: Record<string, number> = {};
  for (const label of labels) counts[label] = (counts[label] ?? 0) + 1;
  return {
    labels: categories,
    reference: categories.map((c) => profile.shares[c] ?? 0),
    current: categories.map((c) => (counts[c] ?? 0) / Math.max(1, labels.length)),
  };
}

const quantile = (sorted: number[], q: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/**
 * A window of logged predictions against the pinned card's reference profile: every profiled
 * feature and prediction field tested (see columnDrift), the share of drifted columns, latency.
 * Throws MonitorError("LOG_INVALID") when there is nothing to judge.
 */
export function monitorWindow(
  pin: { model: string; version: string; sha256: string },
  profile: ProfileLike | undefined,
  read: LogRead,
  options: MonitorOptions = {},
): MonitorResult {
  if (!profile || typeof profile !== "object" || !profile.features) {
    throw new MonitorError(
      "LOG_INVALID",
      `the card of ${pin.model} v${pin.version} has no reference profile (it predates drift checks): retrain it to monitor it`,
    );
  }
  const { records } = read;
  if (records.length === 0) {
    const skipped = read.invalid + read.otherModel + read.otherArtifact + read.older;
    throw new MonitorError(
      "LOG_EMPTY",
      `no predictions of ${pin.model} v${pin.version} (${pin.sha256.slice(0, 12)}) in the window` +
        (skipped
          ? `: ${read.invalid} malformed lines, ${read.otherModel} of other models, ${read.otherArtifact} of other artifacts, ${read.older} older`
          : ""),
    );
  }
  const test = (profiles: Record<string, FeatureProfile>, pick: (i: number) => Record<string, unknown>) => {
    const out: ReportedColumn[] = [];
    const untested: string[] = [];
    for (const [column, reference] of Object.entries(profiles)) {
      const values: unknown[] = [];
      for (let i = 0; i < records.length; i++) {
        const v = pick(i)[column];
        if (v !== undefined) values.push(v);
      }
      const drift = columnDrift(column, reference, values, options);
      if (drift) out.push({ ...drift, histogram: histogramOf(reference, values) });
      else untested.push(column);
    }
    return { out, untested };
  };
  const features = test(profile.features, (i) => records[i]!.features);
  const predictions = test(profile.predictions ?? {}, (i) => records[i]!.prediction);
  const tested = [...features.out, ...predictions.out];
  const driftShare = tested.length === 0 ? 0 : tested.filter((c) => c.drift).length / tested.length;
  const driftShareThreshold = options.driftShare ?? 0.5;
  const latencies = records.map((r) => r.latencyMs).sort((a, b) => a - b);
  const times = records.map((r) => r.time).sort();
  return {
    model: pin.model,
    version: pin.version,
    sha256: pin.sha256,
    window: {
      from: times[0],
      to: times.at(-1),
      records: records.length,
      cached: records.filter((r) => r.cached).length,
      skipped: {
        invalid: read.invalid,
        otherModel: read.otherModel,
        otherArtifact: read.otherArtifact,
        older: read.older,
      },
    },
    features: features.out,
    predictions: predictions.out,
    driftShare,
    driftShareThreshold,
    latencyMs: { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) },
    status: tested.length > 0 && driftShare >= driftShareThreshold ? "drift" : "healthy",
    untested: [...features.untested, ...predictions.untested],
  };
}
