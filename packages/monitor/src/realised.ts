/** A realised metric: the pinned model scored on data whose truth arrived after it was trained. */
export interface RealisedReport {
  /** The card metric it mirrors. */
  metric: string;
  goal: "minimize" | "maximize";
  /** The value the pin was promoted with (from its card), when the card has it. */
  pinned?: number;
  /** Over every scored row; undefined when too few rows carry their truth. */
  value?: number;
  /** Rows answered that carry their truth. */
  rows: number;
  /** Per period (year, month), oldest first. */
  periods: { period: string; value: number; rows: number }[];
  /** How much worse than the pin the realised value may be before the model counts as degraded. */
  tolerance: number;
  degraded: boolean;
}

export interface ScoredRow {
  time?: string;
  answer: Record<string, unknown>;
  truth: unknown;
}

export interface RealisedSpec {
  metric: string;
  goal: "minimize" | "maximize";
  score(rows: { answer: Record<string, unknown>; truth: unknown }[]): number | undefined;
  period?(time: string): string;
}

export interface RealisedOptions {
  /** Relative worsening tolerated (default 0.25: 25% worse than the pinned value). */
  tolerance?: number;
  /** Fewer scored rows than this give no verdict (default 10). */
  minRows?: number;
}

/** Scores rows whose truth arrived, overall and per period, and says whether that is worse than the pin allows. */
export function realisedReport(
  spec: RealisedSpec,
  rows: ScoredRow[],
  pinned: number | undefined,
  options: RealisedOptions = {},
): RealisedReport {
  const tolerance = options.tolerance ?? 0.25;
  const minRows = options.minRows ?? 10;
  const scored = rows.filter((r) => r.truth !== undefined);
  const value = scored.length >= minRows ? finite(spec.score(scored)) : undefined;
  const groups = new Map<string, ScoredRow[]>();
  if (spec.period)
    for (const row of scored)
      if (row.time) {
        const period = spec.period(row.time);
        groups.set(period, [...(groups.get(period) ?? []), row]);
      }
  const periods = [...groups]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([period, group]) => ({ period, value: finite(spec.score(group)), rows: group.length }))
    .filter((p): p is { period: string; value: number; rows: number } => p.value !== undefined);
  const worse =
    value !== undefined && pinned !== undefined
      ? spec.goal === "minimize"
        ? value > pinned * (1 + tolerance)
        : value < pinned * (1 - tolerance)
      : false;
  return {
    metric: spec.metric,
    goal: spec.goal,
    ...(pinned !== undefined ? { pinned } : {}),
    ...(value !== undefined ? { value } : {}),
    rows: scored.length,
    periods,
    tolerance,
    degraded: worse,
  };
}

const finite = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v : undefined);
