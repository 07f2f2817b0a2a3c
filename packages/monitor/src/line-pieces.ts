/** Lines per piece of a written batch: each piece's text (tens of KiB) stays small enough to die young. */
export const PIECE_LINES = 64;

/**
 * A batch of lines as newline-terminated pieces of at most PIECE_LINES lines each. A batch joined
 * into one string (hundreds of KiB) is allocated in V8's large-object space, where only full
 * collections free it: with the cache on, that made the log's garbage collection cost more than
 * all of its encoding (bench/RESULTS.md).
 */
export function linePieces(lines: readonly string[], per = PIECE_LINES): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < lines.length; i += per) pieces.push(`${lines.slice(i, i + per).join("\n")}\n`);
  return pieces;
}
