// The current and the previous pin answering the same requests of new data, paired by id with the
// truth that arrived.
import { batchPredict, getModel, loadPinnedArtifact, type BatchRow } from "@lockstep/models";
import { MonitorError, type PairedRow } from "@lockstep/monitor";
import type { Pin } from "@lockstep/lockfile";
import { CliError, EXIT } from "../errors.js";
import type { Output } from "../output.js";

/** Each pin answers the rows of its own card (its window, its features); rows are paired by id. */
export async function pairedRows(
  model: string,
  data: string,
  pins: { current: Pin; previous: Pin },
  io: { baseDir: string; env: NodeJS.ProcessEnv },
  out: Output,
): Promise<PairedRow[]> {
  const spec = getModel(model);
  const batch = spec.serving.batch!;
  const load = async (which: "current" | "previous") => {
    const pin = pins[which];
    try {
      return await loadPinnedArtifact(model, pin, io);
    } catch (error) {
      // the artifact every reader verifies: gone or altered, nothing is compared and nothing reverted
      throw new CliError(
        `the ${which} pin v${pin.version} (${pin.sha256.slice(0, 12)}) cannot be loaded from ${pin.uri}: ${(error as Error).message}`,
        EXIT.usage,
        "PIN_UNAVAILABLE",
      );
    }
  };
  const current = await load("current");
  const previous = await load("previous");
  const read = async (card: unknown) =>
    batch.rows(data, card as never, { ...io, log: out.progress }).catch((error: unknown) => {
      if ((error as { code?: string }).code === "STORE_NOT_FOUND")
        throw new CliError(`--data: ${(error as Error).message}`, EXIT.usage, "DATA_INVALID");
      throw error;
    });
  const currentRows = await read(current.card);
  const previousRows = new Map((await read(previous.card)).map((r) => [r.id, r]));
  const shared = currentRows.filter((r) => previousRows.has(r.id));
  if (shared.length === 0)
    throw new MonitorError(
      "LOG_EMPTY",
      `no requests for both pins of ${model} to answer: ${data} holds nothing after the data they were trained on`,
    );
  const answer = async (artifact: typeof current, rows: BatchRow[]) =>
    new Map(
      (await batchPredict(spec.serving, artifact.card, artifact.bytes, rows)).predictions.map((p) => [
        p.id,
        p,
      ]),
    );
  out.progress(
    `${model}: ${shared.length} requests through v${pins.current.version} and v${pins.previous.version}`,
  );
  const byCurrent = await answer(current, shared);
  const byPrevious = await answer(
    previous,
    shared.map((r) => previousRows.get(r.id)!),
  );
  const paired: PairedRow[] = [];
  for (const row of shared) {
    const c = byCurrent.get(row.id);
    const p = byPrevious.get(row.id);
    // the truth of the current pin's rows scores both: one truth per request
    if (c && p)
      paired.push({
        id: row.id,
        ...(row.time ? { time: row.time } : {}),
        ...(row.truth !== undefined ? { truth: row.truth } : {}),
        current: c.answer,
        previous: p.answer,
      });
  }
  return paired;
}
