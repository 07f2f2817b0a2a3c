import { assertModelName, newRunId, parseRunKey, recordKey, RUNS_PREFIX } from "./id.js";
import { applyFilter, type RunFilter } from "./filter.js";
import { readIndex, readModels, writeIndex, writeModels, type RunIndex } from "./run-index.js";
import { MAX_RECORD_BYTES, parseRecord } from "./record.js";
import { summarize, type RunStore, type RunSummary } from "./summary.js";

/** How long a full comparison of an index with every record key stands (then the next listing redoes it). */
export const RECONCILE_EVERY_MS = 24 * 3600_000;
/**
 * How far before the last full comparison the quick one looks: a record put after it but with an
 * earlier id (its writer paused between naming it and putting it) is still found.
 */
export const RECONCILE_MARGIN_MS = 3600_000;

export interface ListOptions extends RunFilter {
  /** One model's runs; every model's when absent. */
  model?: string;
  /** Compare the index with every record key, not only the recent days' (gc does). */
  full?: boolean;
  /** Write back an index that lacked records or named deleted ones (default true). */
  repair?: boolean;
  /** Records read at once when the index lacks them (default 16). */
  concurrency?: number;
  /** The clock (tests). */
  now?: () => Date;
}

export interface Skipped {
  key: string;
  reason: string;
}

export interface RunListing {
  runs: RunSummary[];
  /** Records found before filtering. */
  total: number;
  /** Malformed or foreign records under runs/: not listed, and said. */
  skipped: Skipped[];
  /** How the listing was made: summaries from indexes, records read because an index lacked them. */
  fromIndex: number;
  fromRecords: number;
  /** Index entries whose record is gone (dropped). */
  stale: number;
  /** Models whose index was compared with every record key (the others: with the recent days' keys). */
  full: string[];
  /** Indexes that could not be read (rebuilt from the records). */
  damaged: { model: string; reason: string }[];
  /** Indexes written back; `repairErrors` when that failed (e.g. a read-only identity). */
  repaired: string[];
  repairErrors: { model: string; error: string }[];
}

/** Runs `fn` over items, at most `limit` at a time, results in order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** The record ids under a prefix of runs/, by model: one listing, no record read. */
export async function listRecordKeys(
  store: RunStore,
  model?: string,
  within = "",
): Promise<Map<string, Set<string>>> {
  const prefix = model ? `${RUNS_PREFIX}${assertModelName(model)}/${within}` : RUNS_PREFIX;
  const byModel = new Map<string, Set<string>>();
  for await (const { key } of store.listNamed(prefix)) {
    const parsed = parseRunKey(key);
    if (parsed.kind === "foreign") continue;
    if (!byModel.has(parsed.model)) byModel.set(parsed.model, new Set());
    if (parsed.kind === "record") byModel.get(parsed.model)!.add(parsed.id);
  }
  return byModel;
}

/** The days (YYYYMMDD, UTC) from `from` to `to`, both included: the id prefixes of their runs. */
function days(from: Date, to: Date): string[] {
  const out: string[] = [];
  for (
    let t = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
    t <= to.getTime();
    t += 86400_000
  )
    out.push(new Date(t).toISOString().slice(0, 10).replaceAll("-", ""));
  return out;
}

/**
 * The record ids to compare a model's index with: every key (a full comparison), or, while the
 * index's last full comparison is under a day old, the keys of the days since an hour before it:
 * records older than that are in the index already (or were found malformed), so a listing costs
 * one small key listing a day instead of one of every record.
 */
async function keysToCompare(
  store: RunStore,
  model: string,
  index: RunIndex,
  options: { full: boolean; now: Date; known?: Set<string> },
): Promise<{ ids: Set<string>; from?: string; full: boolean }> {
  const reconciled = index.reconciled ? Date.parse(index.reconciled) : Number.NaN;
  const fresh =
    options.now.getTime() - reconciled < RECONCILE_EVERY_MS && reconciled <= options.now.getTime();
  if (options.known) return { ids: options.known, full: true };
  if (options.full || !fresh)
    return { ids: (await listRecordKeys(store, model)).get(model) ?? new Set(), full: true };
  const horizon = new Date(reconciled - RECONCILE_MARGIN_MS);
  const from = newRunId(horizon, () => "").slice(0, -1); // the id prefix of that time: YYYYMMDDTHHMMSSmmmZ
  const ids = new Set<string>();
  // one day ahead too: a writer's clock may run ahead of this one
  for (const day of days(horizon, new Date(options.now.getTime() + 86400_000)))
    for (const id of (await listRecordKeys(store, model, day)).get(model) ?? []) if (id >= from) ids.add(id);
  return { ids, from, full: false };
}

async function listModel(
  store: RunStore,
  model: string,
  options: ListOptions & { known?: Set<string> },
  listing: RunListing,
  now: Date,
): Promise<RunSummary[]> {
  const { index, damaged, dropped } = await readIndex(store, model);
  if (damaged) listing.damaged.push({ model, reason: damaged });
  const { ids, from, full } = await keysToCompare(store, model, index, {
    full: Boolean(options.full) || damaged !== undefined,
    now,
    known: options.known,
  });
  if (full) listing.full.push(model);
  // entries older than the compared window stand as they are
  const compared = (id: string) => from === undefined || id >= from;
  const present = index.entries.filter((e) => !compared(e.id) || ids.has(e.id));
  const known = new Set(present.map((e) => e.id));
  const invalid = Object.fromEntries(
    Object.entries(index.invalid ?? {}).filter(([id]) => !compared(id) || ids.has(id)),
  );
  const missing = [...ids].filter((id) => !known.has(id) && !(id in invalid));
  const read = await mapLimit(missing, options.concurrency ?? 16, async (id) => {
    try {
      const bytes = await store.getNamed(recordKey(model, id), { maxBytes: MAX_RECORD_BYTES });
      if (!bytes) return { id };
      return { id, summary: summarize(parseRecord(bytes, { model, id })) };
    } catch (error) {
      return { id, reason: (error as Error).message };
    }
  });
  const added: RunSummary[] = [];
  for (const r of read) {
    if (r.summary) added.push(r.summary);
    else if (r.reason) invalid[r.id] = r.reason;
  }
  for (const [id, reason] of Object.entries(invalid))
    listing.skipped.push({ key: recordKey(model, id), reason });
  const stale = index.entries.length - present.length;
  listing.fromIndex += present.length;
  listing.fromRecords += added.length;
  listing.stale += stale;
  const changed =
    full ||
    added.length > 0 ||
    stale > 0 ||
    dropped > 0 ||
    Object.keys(invalid).length !== Object.keys(index.invalid ?? {}).length;
  if (changed && options.repair !== false) {
    const repaired: RunIndex = { ...index, entries: [...present, ...added] };
    if (Object.keys(invalid).length > 0) repaired.invalid = invalid;
    else delete repaired.invalid;
    if (full) repaired.reconciled = now.toISOString();
    try {
      await writeIndex(store, repaired);
      listing.repaired.push(model);
    } catch (error) {
      listing.repairErrors.push({ model, error: (error as Error).message });
    }
  }
  return [...present, ...added];
}

/**
 * Lists runs through each model's index: a read of the index, a listing of the recent days' keys
 * (of every key once a day, or with `full`), and a read of only the records the index lacks (a
 * concurrent writer's lost update, an index never written). Records are the truth; indexes are
 * caches, rebuilt when damaged.
 */
export async function listRuns(store: RunStore, options: ListOptions = {}): Promise<RunListing> {
  const listing: RunListing = {
    runs: [],
    total: 0,
    skipped: [],
    fromIndex: 0,
    fromRecords: 0,
    stale: 0,
    full: [],
    damaged: [],
    repaired: [],
    repairErrors: [],
  };
  // the time the comparison starts: records put after it are compared next time
  const now = options.now?.() ?? new Date();
  let models: { model: string; known?: Set<string> }[];
  if (options.model) models = [{ model: assertModelName(options.model) }];
  else {
    const registry = await readModels(store);
    const reconciled = registry?.reconciled ? Date.parse(registry.reconciled) : Number.NaN;
    if (registry && !options.full && now.getTime() - reconciled < RECONCILE_EVERY_MS)
      models = registry.models.map((model) => ({ model }));
    else {
      // every key under runs/: the models, and each one's ids for a full comparison
      const keys = await listRecordKeys(store);
      models = [...keys].map(([model, known]) => ({ model, known }));
      if (options.repair !== false)
        await writeModels(store, {
          runModelsVersion: 1,
          models: [...keys.keys()],
          reconciled: now.toISOString(),
        }).catch(() => undefined);
    }
  }
  const all: RunSummary[] = [];
  for (const { model, known } of models)
    all.push(...(await listModel(store, model, { ...options, known }, listing, now)));
  listing.total = all.length;
  listing.runs = applyFilter(all, options);
  return listing;
}

/**
 * The plain way, without an index: list the keys and read and parse every record. What listRuns
 * is measured against (bench/src/runs.ts); also a check that an index says what the records say.
 */
export async function walkRuns(
  store: RunStore,
  options: RunFilter & { model?: string; concurrency?: number } = {},
): Promise<{ runs: RunSummary[]; total: number; skipped: Skipped[] }> {
  const keys = await listRecordKeys(store, options.model);
  const wanted = [...keys].flatMap(([model, ids]) => [...ids].map((id) => ({ model, id })));
  const skipped: Skipped[] = [];
  const read = await mapLimit(wanted, options.concurrency ?? 16, async ({ model, id }) => {
    const key = recordKey(model, id);
    try {
      const bytes = await store.getNamed(key, { maxBytes: MAX_RECORD_BYTES });
      return bytes ? summarize(parseRecord(bytes, { model, id })) : undefined;
    } catch (error) {
      skipped.push({ key, reason: (error as Error).message });
      return undefined;
    }
  });
  const all = read.filter((r): r is RunSummary => r !== undefined);
  return { runs: applyFilter(all, options), total: all.length, skipped };
}
