import { assertModelName, parseRunKey, recordKey, RUNS_PREFIX } from "./id.js";
import { applyFilter, type RunFilter } from "./filter.js";
import { readIndex, writeIndex, type RunIndex } from "./run-index.js";
import { MAX_RECORD_BYTES, parseRecord } from "./record.js";
import { summarize, type RunStore, type RunSummary } from "./summary.js";

export interface ListOptions extends RunFilter {
  /** One model's runs; every model's when absent. */
  model?: string;
  /** Write back an index that lacked records or named deleted ones (default true). */
  repair?: boolean;
  /** Records read at once when the index lacks them (default 16). */
  concurrency?: number;
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

/** The record ids under runs/ (or runs/<model>/), by model: one listing, no record read. */
export async function listRecordKeys(store: RunStore, model?: string): Promise<Map<string, Set<string>>> {
  const prefix = model ? `${RUNS_PREFIX}${assertModelName(model)}/` : RUNS_PREFIX;
  const byModel = new Map<string, Set<string>>();
  for await (const { key } of store.listNamed(prefix)) {
    const parsed = parseRunKey(key);
    if (parsed.kind === "foreign") continue;
    if (!byModel.has(parsed.model)) byModel.set(parsed.model, new Set());
    if (parsed.kind === "record") byModel.get(parsed.model)!.add(parsed.id);
  }
  return byModel;
}

/**
 * Lists runs through each model's index: one listing of the keys, one read of each index, and a
 * read of only the records an index lacks (a lost concurrent update, an index never written).
 */
export async function listRuns(store: RunStore, options: ListOptions = {}): Promise<RunListing> {
  const listing: RunListing = {
    runs: [],
    total: 0,
    skipped: [],
    fromIndex: 0,
    fromRecords: 0,
    stale: 0,
    damaged: [],
    repaired: [],
    repairErrors: [],
  };
  const keys = await listRecordKeys(store, options.model);
  const all: RunSummary[] = [];
  for (const [model, ids] of keys) {
    const { index, damaged, dropped } = await readIndex(store, model);
    if (damaged) listing.damaged.push({ model, reason: damaged });
    const present = index.entries.filter((e) => ids.has(e.id));
    const known = new Set(present.map((e) => e.id));
    const invalid = Object.fromEntries(Object.entries(index.invalid ?? {}).filter(([id]) => ids.has(id)));
    const missing = [...ids].filter((id) => !known.has(id) && !(id in invalid));
    const read = await mapLimit(missing, options.concurrency ?? 16, async (id) => {
      const key = recordKey(model, id);
      try {
        const bytes = await store.getNamed(key, { maxBytes: MAX_RECORD_BYTES });
        if (!bytes) return { id, gone: true as const };
        return { id, summary: summarize(parseRecord(bytes, { model, id })) };
      } catch (error) {
        return { id, reason: (error as Error).message };
      }
    });
    const added: RunSummary[] = [];
    for (const r of read) {
      if ("summary" in r && r.summary) added.push(r.summary);
      else if ("reason" in r && r.reason) invalid[r.id] = r.reason;
    }
    for (const [id, reason] of Object.entries(invalid))
      listing.skipped.push({ key: recordKey(model, id), reason });
    const stale = index.entries.length - present.length;
    listing.fromIndex += present.length;
    listing.fromRecords += added.length;
    listing.stale += stale;
    all.push(...present, ...added);
    const changed =
      added.length > 0 ||
      stale > 0 ||
      dropped > 0 ||
      damaged !== undefined ||
      Object.keys(invalid).length !== Object.keys(index.invalid ?? {}).length;
    if (changed && options.repair !== false) {
      const repaired: RunIndex = { ...index, entries: [...present, ...added] };
      if (Object.keys(invalid).length > 0) repaired.invalid = invalid;
      else delete repaired.invalid;
      try {
        await writeIndex(store, repaired);
        listing.repaired.push(model);
      } catch (error) {
        listing.repairErrors.push({ model, error: (error as Error).message });
      }
    }
  }
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
