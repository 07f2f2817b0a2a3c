import { mkdir, open } from "node:fs/promises";
import { join } from "node:path";
import { batchLines, type LineBatch } from "./line-queue.js";
import type { PredictionSink } from "./prediction-log.js";
import { recordJson, type PredictionRecord } from "./record.js";

/** The file a record goes to: one per UTC day, `predictions-YYYY-MM-DD.jsonl`. */
export const dailyFileName = (time: string) => `predictions-${time.slice(0, 10)}.jsonl`;

/**
 * The embedded prediction log: JSON Lines files under a directory (default `.lockstep/predictions`),
 * rotated daily by each record's UTC date; a batch is one append per day it spans.
 */
export class JsonLinesSink implements PredictionSink {
  readonly name = "jsonl";
  private ready: Promise<unknown> | undefined;

  constructor(readonly dir: string) {}

  encode(record: PredictionRecord): string {
    // the time first: write() reads the day from the line's start
    return recordJson(record);
  }

  async write(batch: LineBatch): Promise<void> {
    this.ready ??= mkdir(this.dir, { recursive: true }).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    await this.ready;
    await appendByDay(this.dir, batch, dailyFileName);
  }

  async close(): Promise<void> {}
}

/** The UTC day of the line that starts at `at` in `piece`: {"time":"YYYY-MM-DD… */
const dayAt = (piece: Buffer, at: number) => piece.toString("latin1", at + 9, at + 19);

/**
 * Appends lines that each start {"time":"YYYY-MM-DD… to the file of their UTC day (read from the
 * line's start, never parsed back): one append per day a batch spans, its pieces written as they are.
 */
export async function appendByDay(
  dir: string,
  batch: LineBatch,
  fileOf: (day: string) => string,
): Promise<void> {
  if (batch.lines === 0) return;
  const first = dayAt(batch.pieces[0]!, 0);
  const last = batch.pieces.at(-1)!;
  // lines are queued in time order: a batch whose ends share a day is all of that day
  if (first === dayAt(last, last.lastIndexOf(10, last.length - 2) + 1)) {
    await appendPieces(join(dir, fileOf(first)), batch.pieces);
    return;
  }
  const byDay = new Map<string, string[]>();
  for (const line of batchLines(batch)) {
    const file = fileOf(line.slice(9, 19));
    let lines = byDay.get(file);
    if (!lines) byDay.set(file, (lines = []));
    lines.push(line);
  }
  for (const [file, lines] of byDay)
    await appendPieces(join(dir, file), [Buffer.from(`${lines.join("\n")}\n`)]);
}

/** Appends pieces to a file: one open and one writev. */
async function appendPieces(path: string, pieces: readonly Buffer[]): Promise<void> {
  const handle = await open(path, "a");
  try {
    await handle.writev(pieces);
  } finally {
    await handle.close();
  }
}
