import { RunsError } from "./errors.js";
import { indexKey, MODEL_NAME, RUN_ID } from "./id.js";
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
  /**
   * When a listing last compared the index with every record key (ISO time). Until it is a day
   * old, listings compare only the keys of the days since an hour before it (see listRuns).
   */
  reconciled?: string;
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
  const reconciled =
    typeof value.reconciled === "string" && !Number.isNaN(Date.parse(value.reconciled))
      ? value.reconciled
      : undefined;
  return {
    index: {
      ...empty,
      entries,
      ...(invalid && Object.keys(invalid).length > 0 ? { invalid } : {}),
      ...(reconciled ? { reconciled } : {}),
    },
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

// `runs/models.json`: the models with runs, so listing every model need not list every record key.
// Writers add their model when it is missing; a full listing rewrites it (and heals a lost update).

export const MODELS_KEY = "runs/models.json";

export interface RunModels {
  runModelsVersion: 1;
  models: string[];
  /** When a full listing of runs/ last wrote it (ISO time); absent when only writers did. */
  reconciled?: string;
}

export async function readModels(store: RunStore): Promise<RunModels | undefined> {
  const bytes = await store.getNamed(MODELS_KEY, { maxBytes: 1024 * 1024 }).catch(() => undefined);
  if (!bytes) return undefined;
  try {
    const value = JSON.parse(bytes.toString("utf8")) as Partial<RunModels>;
    if (value.runModelsVersion !== 1 || !Array.isArray(value.models)) return undefined;
    const models = value.models.filter((m): m is string => typeof m === "string" && MODEL_NAME.test(m));
    const reconciled =
      typeof value.reconciled === "string" && !Number.isNaN(Date.parse(value.reconciled))
        ? value.reconciled
        : undefined;
    return { runModelsVersion: 1, models, ...(reconciled ? { reconciled } : {}) };
  } catch {
    return undefined;
  }
}

export async function writeModels(store: RunStore, models: RunModels): Promise<void> {
  await store.putNamed(
    MODELS_KEY,
    JSON.stringify({ ...models, models: [...new Set(models.models)].sort() }),
    "application/json",
  );
}

/** Adds a model to runs/models.json when it is not there (one read; a write only the first time). */
export async function addModel(store: RunStore, model: string): Promise<void> {
  const current = await readModels(store);
  if (current?.models.includes(model)) return;
  await writeModels(store, {
    runModelsVersion: 1,
    models: [...(current?.models ?? []), model],
    ...(current?.reconciled ? { reconciled: current.reconciled } : {}),
  });
}
