import { RunsError } from "./errors.js";
import { recordKey } from "./id.js";
import { listRuns } from "./list.js";
import { readIndex, writeIndex } from "./run-index.js";
import { readRun } from "./read.js";
import type { RunStore, RunSummary } from "./summary.js";

export interface GcOptions {
  /** Runs kept per model, newest first (pinned runs are kept besides). */
  keep: number;
  /** Artifact sha256s pinned in the lock, in any environment: their runs are never deleted. */
  pinned: ReadonlySet<string>;
  model?: string;
  dryRun?: boolean;
}

export interface GcResult {
  deleted: RunSummary[];
  /** Older than the newest `keep` but kept: their artifact is pinned. */
  pinned: RunSummary[];
  kept: number;
  errors: { id: string; error: string }[];
}

/** Deletes all but the newest `keep` runs of each model, never a run whose artifact is pinned. */
export async function gcRuns(store: RunStore, options: GcOptions): Promise<GcResult> {
  if (!Number.isSafeInteger(options.keep) || options.keep < 0)
    throw new RunsError("RUN_GC_INVALID", `--keep must be a whole number of runs, got ${options.keep}`);
  // every record key compared: gc decides from the records, not from a day-old cache
  const { runs } = await listRuns(store, { model: options.model, full: true });
  const result: GcResult = { deleted: [], pinned: [], kept: 0, errors: [] };
  const byModel = new Map<string, RunSummary[]>();
  for (const run of runs) byModel.set(run.model, [...(byModel.get(run.model) ?? []), run]);
  for (const [model, list] of byModel) {
    // listRuns sorts newest first
    const doomed: RunSummary[] = [];
    list.forEach((run, i) => {
      if (i < options.keep) result.kept += 1;
      else if (options.pinned.has(run.sha256)) result.pinned.push(run);
      else doomed.push(run);
    });
    if (options.dryRun || doomed.length === 0) {
      result.deleted.push(...doomed);
      continue;
    }
    const gone = new Set<string>();
    for (const run of doomed) {
      try {
        // a report stored beside the record goes with it
        const reportUri = await readRun(store, model, run.id).then(
          (record) => record.report?.uri,
          () => undefined,
        );
        const prefix = `${store.uri}/`;
        if (reportUri?.startsWith(`${prefix}reports/runs/`))
          await store.deleteNamed(reportUri.slice(prefix.length));
        await store.deleteNamed(recordKey(model, run.id));
        gone.add(run.id);
        result.deleted.push(run);
      } catch (error) {
        result.errors.push({ id: run.id, error: (error as Error).message });
      }
    }
    const { index } = await readIndex(store, model);
    await writeIndex(store, { ...index, entries: index.entries.filter((e) => !gone.has(e.id)) });
  }
  return result;
}
