import type { ArtifactStore } from "@lockstep/store";
import type { RunKind, RunRecord } from "./record.js";

/** The store calls run records need: named objects. */
export type RunStore = Pick<ArtifactStore, "uri" | "putNamed" | "getNamed" | "listNamed" | "deleteNamed">;

/** What the index keeps of a record: enough to list, filter and sort without reading it. */
export interface RunSummary {
  id: string;
  model: string;
  kind: RunKind;
  createdAt: string;
  environment?: string;
  metrics: Record<string, number>;
  gateMetric: string;
  better: boolean;
  sha256: string;
  bytes: number;
  dataSha256: string;
  commit?: string;
}

export function summarize(record: RunRecord): RunSummary {
  return {
    id: record.id,
    model: record.model,
    kind: record.kind,
    createdAt: record.createdAt,
    ...(record.environment ? { environment: record.environment } : {}),
    metrics: record.metrics,
    gateMetric: record.gate.metric,
    better: record.gate.better,
    sha256: record.artifact.sha256,
    bytes: record.artifact.bytes,
    dataSha256: record.data.sha256,
    ...(record.source.commit ? { commit: record.source.commit } : {}),
  };
}
