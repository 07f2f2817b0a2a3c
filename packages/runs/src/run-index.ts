import { RunsError } from "./errors.js";
import { indexKey, RUN_ID } from "./id.js";
import { RUN_KINDS, type RunKind } from "./record.js";
import type { RunStore, RunSummary } from "./summary.js";

// A model's index, `runs/<model>/index.json`: a cache of its records' summaries. Records are the
// truth; a listing compares the index with the keys under `runs/<model>/` and reads only the
// records it lacks, so a writer whose index update was lost to a concurrent one is found again.

export const RUN_INDEX_VERSION = 1;
/** The largest index read (about 100,000 runs). */
export const MAX_INDEX_BYTES = 64 * 1024 * 1024;

export interface RunIndex {
  runIndexVersion: typeof RUN_INDEX_VERSION;
  model: string;
  entries: RunSummary[];
  /** Records found malformed or foreign, by id, with why: not read again on every listing. */
  invalid?: Record<string, string>;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** An index entry as read back: wrong-shaped entries are dropped (their records are read instead). */
function validEntry(value: unknown, model: string): value is RunSummary {
  if (!isObject(value)) return false;
  const e = value;
  return (
    typeof e.id === "string" &&
    RUN_ID.test(e.id) &&
    e.model === model &&
    RUN_KINDS.includes(e.kind as RunKind) &&
    typeof e.createdAt === "string" &&
    (e.environment === undefined || typeof e.environment === "string") &&
    isObject(e.metrics) &&
    Object.values(e.metrics).every((n) => typeof n === "number" && Number.isFinite(n)) &&
    typeof e.gateMetric === "string" &&
    typeof e.better === "boolean" &&
    typeof e.sha256 === "string" &&
    typeof e.bytes === "number" &&
    typeof e.dataSha256 === "string" &&
    (e.commit === undefined || typeof e.commit === "string")
  );
}

/** A model's index, or an empty one when absent or unreadable (`damaged` says which). */
export async function readIndex(
  store: RunStore,
  model: string,
): Promise<{ index: RunIndex; damaged?: string; dropped: number }> {
  const empty: RunIndex = { runIndexVersion: RUN_INDEX_VERSION, model, entries: [] };
  let bytes: Buffer | undefined;
  try {
    bytes = await store.getNamed(indexKey(model), { maxBytes: MAX_INDEX_BYTES });
  } catch (error) {
    if ((error as { code?: string }).code === "STORE_TOO_LARGE")
      return { index: empty, damaged: `larger than ${MAX_INDEX_BYTES} bytes`, dropped: 0 };
    throw error;
  }
  if (!bytes) return { index: empty, dropped: 0 };
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    return { index: empty, damaged: "not JSON", dropped: 0 };
  }
  if (
    !isObject(value) ||
    value.runIndexVersion !== RUN_INDEX_VERSION ||
    value.model !== model ||
    !Array.isArray(value.entries)
  )
    return { index: empty, damaged: "not a run index of this model", dropped: 0 };
  const entries = value.entries.filter((e) => validEntry(e, model));
  const invalid = isObject(value.invalid)
    ? (Object.fromEntries(
        Object.entries(value.invalid).filter(([id, why]) => RUN_ID.test(id) && typeof why === "string"),
      ) as Record<string, string>)
    : undefined;
  return {
    index: { ...empty, entries, ...(invalid && Object.keys(invalid).length > 0 ? { invalid } : {}) },
    dropped: value.entries.length - entries.length,
  };
}

export async function writeIndex(store: RunStore, index: RunIndex): Promise<void> {
  const entries = [...index.entries].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  await store.putNamed(indexKey(index.model), JSON.stringify({ ...index, entries }), "application/json");
}

/** Adds summaries to a model's index (read, merge by id, write): what a writer does after its record. */
export async function addToIndex(store: RunStore, model: string, summaries: RunSummary[]): Promise<void> {
  const { index } = await readIndex(store, model);
  const byId = new Map(index.entries.map((e) => [e.id, e]));
  for (const summary of summaries) {
    if (summary.model !== model)
      throw new RunsError("RUN_MODEL_INVALID", `${summary.id} is not a ${model} run`);
    byId.set(summary.id, summary);
  }
  await writeIndex(store, { ...index, entries: [...byId.values()] });
}
