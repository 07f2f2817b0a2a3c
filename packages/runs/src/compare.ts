import type { RunRecord } from "./record.js";

export interface CompareRow {
  section: "run" | "params" | "chosen" | "metrics" | "timings";
  name: string;
  /** One value per run, in the order given; "-" when a run has none. */
  values: string[];
  /** The runs do not all agree on this row. */
  differs: boolean;
}

export interface Comparison {
  runs: { model: string; id: string }[];
  rows: CompareRow[];
}

const text = (value: unknown): string => {
  if (value === undefined || value === null) return "-";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
};

function section(
  name: CompareRow["section"],
  records: RunRecord[],
  pick: (record: RunRecord) => Record<string, unknown> | undefined,
): CompareRow[] {
  const keys = [...new Set(records.flatMap((r) => Object.keys(pick(r) ?? {})))].sort();
  return keys.map((key) => {
    const values = records.map((r) => text(pick(r)?.[key]));
    return { section: name, name: key, values, differs: new Set(values).size > 1 };
  });
}

/** Params, choices, metrics and timings of runs side by side, each row marked when they differ. */
export function compareRuns(records: RunRecord[]): Comparison {
  const short = (sha: string | undefined) => (sha ? sha.slice(0, 12) : undefined);
  const run = section("run", records, (r) => ({
    kind: r.kind,
    createdAt: r.createdAt,
    environment: r.environment,
    trainer: r.trainer ? `${r.trainer.name} ${r.trainer.version}` : undefined,
    commit: short(r.source.commit),
    data: short(r.data.sha256),
    artifact: short(r.artifact.sha256),
    gate: `${r.gate.better ? "passes" : "fails"} (${r.gate.metric})`,
  }));
  return {
    runs: records.map((r) => ({ model: r.model, id: r.id })),
    rows: [
      ...run,
      ...section("params", records, (r) => r.params.asked),
      ...section("chosen", records, (r) => r.params.chosen),
      ...section("metrics", records, (r) => r.metrics),
      ...section("timings", records, (r) => r.timings),
    ],
  };
}
