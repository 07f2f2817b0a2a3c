import { newRunId, recordKey, reportKey } from "./id.js";
import { addModel, addToIndex } from "./run-index.js";
import { RUN_RECORD_VERSION, REPORT_INLINE_BYTES, validateRecord, type RunRecord } from "./record.js";
import { summarize, type RunStore } from "./summary.js";

/** A record before it is written: the writer gives it its id and time. */
export type RunInput = Omit<RunRecord, "runRecordVersion" | "id" | "createdAt" | "report"> & {
  /** The report's Markdown: kept inside the record, or stored beside it when large. */
  report?: string;
};

export interface WrittenRun {
  id: string;
  key: string;
  uri: string;
  /** Set when the record was written but the index was not (the next listing finds it). */
  indexError?: string;
}

/** Writes one immutable record (and its report when large), then adds it to its model's index. */
export async function writeRun(
  store: RunStore,
  input: RunInput,
  options: { now?: Date; random?: () => string } = {},
): Promise<WrittenRun> {
  const now = options.now ?? new Date();
  const id = newRunId(now, options.random);
  const { report, ...rest } = input;
  let stored: RunRecord["report"];
  if (report !== undefined && Buffer.byteLength(report) > REPORT_INLINE_BYTES)
    stored = { uri: await store.putNamed(reportKey(input.model, id), report, "text/markdown") };
  else if (report !== undefined) stored = { markdown: report };
  const record = validateRecord({
    runRecordVersion: RUN_RECORD_VERSION,
    id,
    createdAt: now.toISOString(),
    ...rest,
    ...(stored ? { report: stored } : {}),
  });
  const key = recordKey(record.model, id);
  const uri = await store.putNamed(key, `${JSON.stringify(record, null, 2)}\n`, "application/json");
  try {
    await addToIndex(store, record.model, [summarize(record)]);
    await addModel(store, record.model);
    return { id, key, uri };
  } catch (error) {
    return { id, key, uri, indexError: (error as Error).message };
  }
}

let failures = 0;

/** Run records that could not be written in this process (warned and counted, never fatal). */
export const runRecordFailures = (): number => failures;

export type RecordOutcome = ({ ok: true } & WrittenRun) | { ok: false; error: string; failures: number };

/**
 * writeRun for the training paths: never throws. A record that cannot be written is counted and
 * said through `warn`; the training it describes goes on.
 */
export async function recordRun(
  store: RunStore | (() => RunStore),
  input: RunInput,
  warn: (message: string) => void = () => {},
  options: { now?: Date } = {},
): Promise<RecordOutcome> {
  try {
    const written = await writeRun(typeof store === "function" ? store() : store, input, options);
    if (written.indexError)
      warn(
        `run ${written.id} recorded, but its index was not updated (the next listing adds it): ${written.indexError}`,
      );
    return { ok: true, ...written };
  } catch (error) {
    failures += 1;
    const message = (error as Error).message ?? String(error);
    warn(`run record not written (${failures} so far in this process): ${message}`);
    return { ok: false, error: message, failures };
  }
}
