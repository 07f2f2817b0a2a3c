import { mkdir, open } from "node:fs/promises";
import { join } from "node:path";
import { linePieces } from "./line-pieces.js";
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

  async write(encoded: readonly string[]): Promise<void> {
    this.ready ??= mkdir(this.dir, { recursive: true }).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    await this.ready;
    await appendByDay(this.dir, encoded, dailyFileName);
  }

  async close(): Promise<void> {}
}

/**
 * Appends lines that each start {"time":"YYYY-MM-DD… to the file of their UTC day (read from the
 * line's start, never parsed back): one append per day a batch spans.
 */
export async function appendByDay(
  dir: string,
  encoded: readonly string[],
  fileOf: (day: string) => string,
): Promise<void> {
  if (encoded.length === 0) return;
  const first = encoded[0]!.slice(9, 19);
  // lines are queued in time order: a batch whose ends share a day is all of that day
  if (first === encoded.at(-1)!.slice(9, 19)) {
    await appendLines(join(dir, fileOf(first)), encoded);
    return;
  }
  const byDay = new Map<string, string[]>();
  for (const line of encoded) {
    const file = fileOf(line.slice(9, 19));
    let lines = byDay.get(file);
    if (!lines) byDay.set(file, (lines = []));
    lines.push(line);
  }
  for (const [file, lines] of byDay) await appendLines(join(dir, file), lines);
}

/** Appends lines to a file: one open and one writev of the batch's pieces (see linePieces). */
async function appendLines(path: string, lines: readonly string[]): Promise<void> {
  const pieces = linePieces(lines).map((piece) => Buffer.from(piece));
  const handle = await open(path, "a");
  try {
    await handle.writev(pieces);
  } finally {
    await handle.close();
  }
}
