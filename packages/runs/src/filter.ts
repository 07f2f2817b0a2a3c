import { RunsError, shown } from "./errors.js";
import type { RunSummary } from "./summary.js";

export type Operator = "<" | "<=" | ">" | ">=" | "=" | "!=";
export interface Condition {
  metric: string;
  op: Operator;
  value: number;
}

// metric, operator, number; nothing else (never evaluated as code)
const CONDITION =
  /^\s*([A-Za-z][A-Za-z0-9_.@-]{0,63})\s*(<=|>=|!=|<|>|=)\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?)\s*$/;

/** Parses `mape_h12<0.11`: a metric name, one of < <= > >= = !=, a number. */
export function parseCondition(text: string): Condition {
  const match = typeof text === "string" && text.length <= 200 ? CONDITION.exec(text) : null;
  const value = match ? Number(match[3]) : Number.NaN;
  if (!match || !Number.isFinite(value))
    throw new RunsError(
      "RUN_WHERE_INVALID",
      `not a condition: ${shown(text)} (expected METRIC OP NUMBER, e.g. 'mape_h12<0.11'; OP one of < <= > >= = !=)`,
    );
  return { metric: match[1]!, op: match[2] as Operator, value };
}

export function holds(condition: Condition, metrics: Record<string, number>): boolean {
  // own numbers only: "constructor" or "__proto__" name no metric of a run that lacks them
  const x = Object.hasOwn(metrics, condition.metric) ? metrics[condition.metric] : undefined;
  if (typeof x !== "number") return false;
  const { value } = condition;
  switch (condition.op) {
    case "<":
      return x < value;
    case "<=":
      return x <= value;
    case ">":
      return x > value;
    case ">=":
      return x >= value;
    case "=":
      return x === value;
    case "!=":
      return x !== value;
  }
}

const DURATION = /^(\d{1,6})([mhdw])$/;
const UNIT = { m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 } as const;

/** `--since`: a date (2026-12-01), a time (2026-12-01T10:00Z) or an age (30m, 12h, 7d, 2w). */
export function parseSince(text: string, now: Date = new Date()): Date {
  const age = typeof text === "string" ? DURATION.exec(text) : null;
  if (age) return new Date(now.getTime() - Number(age[1]) * UNIT[age[2] as keyof typeof UNIT]);
  const iso =
    typeof text === "string" &&
    /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(text);
  const time = iso ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(time))
    throw new RunsError(
      "RUN_SINCE_INVALID",
      `not a time: ${shown(text)} (expected a date like 2026-12-01, an ISO time, or an age like 12h, 7d)`,
    );
  return new Date(time);
}

export interface SortOrder {
  /** A metric name, or "created" (the default: newest first). */
  key: string;
  descending: boolean;
}

/** `--sort`: a metric (ascending; `-metric` descending) or `created` / `-created`. */
export function parseSort(text: string): SortOrder {
  const match = typeof text === "string" ? /^([+-]?)([A-Za-z][A-Za-z0-9_.@-]{0,63})$/.exec(text) : null;
  if (!match)
    throw new RunsError(
      "RUN_SORT_INVALID",
      `not a sort key: ${shown(text)} (a metric name, or created; a leading - sorts descending)`,
    );
  return { key: match[2]!, descending: match[1] === "-" };
}

export interface RunFilter {
  environment?: string;
  since?: Date;
  where?: Condition[];
  sort?: SortOrder;
}

/** Filters and sorts summaries; runs without the sort metric come last. Default: newest first. */
export function applyFilter(runs: RunSummary[], filter: RunFilter): RunSummary[] {
  const since = filter.since?.toISOString();
  const kept = runs.filter(
    (run) =>
      (!filter.environment || run.environment === filter.environment) &&
      (!since || run.createdAt >= since) &&
      (filter.where ?? []).every((c) => holds(c, run.metrics)),
  );
  const sort = filter.sort ?? { key: "created", descending: true };
  const sign = sort.descending ? -1 : 1;
  const byId = (a: RunSummary, b: RunSummary) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  if (sort.key === "created") return kept.sort((a, b) => sign * byId(a, b));
  return kept.sort((a, b) => {
    const x = Object.hasOwn(a.metrics, sort.key) ? a.metrics[sort.key] : undefined;
    const y = Object.hasOwn(b.metrics, sort.key) ? b.metrics[sort.key] : undefined;
    if (x === undefined || y === undefined) return x === y ? byId(a, b) : x === undefined ? 1 : -1;
    return x === y ? byId(a, b) : sign * (x - y);
  });
}
