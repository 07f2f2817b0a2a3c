import { RunsError } from "./errors.js";
import { parseRunKey, parseRunRef, recordKey, RUNS_PREFIX } from "./id.js";
import { MAX_RECORD_BYTES, parseRecord, type RunRecord } from "./record.js";
import { readModels } from "./run-index.js";
import type { RunStore } from "./summary.js";

/** One record by model and id; RUN_NOT_FOUND when absent, RUN_RECORD_INVALID when malformed. */
export async function readRun(store: RunStore, model: string, id: string): Promise<RunRecord> {
  const key = recordKey(model, id);
  const bytes = await store.getNamed(key, { maxBytes: MAX_RECORD_BYTES }).catch((error: unknown) => {
    if ((error as { code?: string }).code === "STORE_TOO_LARGE")
      throw new RunsError("RUN_RECORD_INVALID", `${key} is larger than ${MAX_RECORD_BYTES} bytes`);
    throw error;
  });
  if (!bytes) throw new RunsError("RUN_NOT_FOUND", `no run ${model}/${id} in ${store.uri}`);
  try {
    return parseRecord(bytes, { model, id });
  } catch (error) {
    throw new RunsError("RUN_RECORD_INVALID", `${key}: ${(error as Error).message}`);
  }
}

/** The models holding a record of this id: tried under each model runs/models.json names, else listed. */
async function modelsWith(store: RunStore, id: string): Promise<string[]> {
  const known = await readModels(store);
  if (known) {
    const hits = await Promise.all(
      known.models.map(async (model) =>
        (await store.getNamed(recordKey(model, id), { maxBytes: MAX_RECORD_BYTES }).catch(() => undefined))
          ? [model]
          : [],
      ),
    );
    if (hits.flat().length > 0) return hits.flat();
  }
  // not under a known model (a models.json that lost an update, or none): every key under runs/
  const models: string[] = [];
  for await (const { key } of store.listNamed(RUNS_PREFIX)) {
    const parsed = parseRunKey(key);
    if (parsed.kind === "record" && parsed.id === id) models.push(parsed.model);
  }
  return models;
}

/** A run named as `ID` or `MODEL/ID`; a bare id is looked up among every model's records. */
export async function findRun(store: RunStore, ref: string): Promise<RunRecord> {
  const { model, id } = parseRunRef(ref);
  if (model) return readRun(store, model, id);
  const models = await modelsWith(store, id);
  if (models.length === 0) throw new RunsError("RUN_NOT_FOUND", `no run ${id} in ${store.uri}`);
  if (models.length > 1)
    throw new RunsError(
      "RUN_AMBIGUOUS",
      `run ${id} exists for ${models.join(", ")}: name one as MODEL/${id}`,
    );
  return readRun(store, models[0]!, id);
}
