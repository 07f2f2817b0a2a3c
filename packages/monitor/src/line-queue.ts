/** Bytes per chunk of the queue (a longer line gets a chunk of its own). */
export const CHUNK_BYTES = 256 * 1024;

/** Lines taken off the queue to be written: newline-terminated pieces, views of the queue's chunks. */
export interface LineBatch {
  readonly pieces: readonly Buffer[];
  readonly lines: number;
  readonly bytes: number;
}

interface Chunk {
  buf: Buffer;
  /** Offset of the first byte not yet taken or dropped. */
  start: number;
  /** Bytes written so far (the next line goes here). */
  used: number;
  /** Where each line ends (after its newline), oldest first; `head` is the first one still queued. */
  ends: number[];
  head: number;
  /** A put-back batch's piece: full, never appended to. */
  sealed: boolean;
}

/**
 * Encoded lines queued as UTF-8 bytes in off-heap chunks, oldest first. A line is copied into a
 * chunk as it is queued, so its string dies young: strings held until a batch is written outlived
 * young-generation collections and were promoted, and with the cache on the log's garbage
 * collection cost more than all of its encoding (bench/RESULTS.md). Batches are views of the
 * chunks, written without a copy.
 */
export class LineQueue {
  private chunks: Chunk[] = [];
  lines = 0;
  bytes = 0;

  /** Queues a line (without its newline); returns its bytes, newline included. */
  push(line: string): number {
    let tail = this.chunks.at(-1);
    // a line of n characters is at most 3n bytes in UTF-8 (surrogate pairs: 4 bytes for 2)
    if (!tail || tail.sealed || tail.buf.length - tail.used < line.length * 3 + 1) {
      const need = Buffer.byteLength(line) + 1;
      if (!tail || tail.sealed || tail.buf.length - tail.used < need) {
        // a tail emptied by takes holds no queued line: it goes (a batch still in flight keeps its view)
        if (tail && tail.head === tail.ends.length) this.chunks.pop();
        tail = {
          buf: Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, need)),
          start: 0,
          used: 0,
          ends: [],
          head: 0,
          sealed: false,
        };
        this.chunks.push(tail);
      }
    }
    const at = tail.used;
    tail.used += tail.buf.write(line, at);
    tail.buf[tail.used++] = 10;
    tail.ends.push(tail.used);
    this.lines++;
    this.bytes += tail.used - at;
    return tail.used - at;
  }

  /** Drops up to `count` of the oldest lines; returns how many. */
  dropOldest(count: number): number {
    let dropped = 0;
    while (dropped < count && this.lines > 0) {
      const front = this.front();
      const n = Math.min(count - dropped, front.ends.length - front.head);
      const end = front.ends[front.head + n - 1]!;
      this.bytes -= end - front.start;
      this.lines -= n;
      dropped += n;
      front.head += n;
      front.start = end;
      this.release(front);
    }
    return dropped;
  }

  /** How many of the oldest lines must go for the rest to fit in `maxBytes` (0 when they fit; all when the newest alone does not). */
  linesOver(maxBytes: number): number {
    let excess = this.bytes - maxBytes;
    let count = 0;
    for (const chunk of this.chunks) {
      if (excess <= 0) break;
      let start = chunk.start;
      for (let i = chunk.head; i < chunk.ends.length && excess > 0; i++, count++) {
        excess -= chunk.ends[i]! - start;
        start = chunk.ends[i]!;
      }
    }
    return count;
  }

  /** Takes the oldest lines off the queue: at most `maxLines`, and within `maxBytes` (but at least one line). */
  take(maxLines: number, maxBytes = Number.POSITIVE_INFINITY): LineBatch {
    const pieces: Buffer[] = [];
    let lines = 0;
    let bytes = 0;
    while (lines < maxLines && this.lines > 0) {
      const front = this.front();
      let n = 0;
      let end = front.start;
      while (front.head + n < front.ends.length && lines + n < maxLines) {
        const next = front.ends[front.head + n]!;
        if (bytes + (next - front.start) > maxBytes && lines + n > 0) break;
        end = next;
        n++;
      }
      if (n === 0) break;
      pieces.push(front.buf.subarray(front.start, end));
      bytes += end - front.start;
      lines += n;
      this.lines -= n;
      this.bytes -= end - front.start;
      front.head += n;
      front.start = end;
      this.release(front);
      if (front.head < front.ends.length) break; // stopped inside this chunk: by a limit
    }
    return { pieces, lines, bytes };
  }

  /** Returns a batch whose write failed to the front of the queue, in order. */
  putBack(batch: LineBatch): void {
    const chunks: Chunk[] = batch.pieces.map((piece) => {
      const ends: number[] = [];
      for (let at = piece.indexOf(10); at >= 0; at = piece.indexOf(10, at + 1)) ends.push(at + 1);
      return { buf: piece, start: 0, used: piece.length, ends, head: 0, sealed: true };
    });
    this.chunks.unshift(...chunks);
    this.lines += batch.lines;
    this.bytes += batch.bytes;
  }

  /** The oldest chunk holding a queued line (call only while lines > 0). */
  private front(): Chunk {
    while (this.chunks[0]!.head >= this.chunks[0]!.ends.length) this.chunks.shift();
    return this.chunks[0]!;
  }

  /** Frees a front chunk that holds no queued line and takes no more. */
  private release(chunk: Chunk): void {
    if (chunk.head < chunk.ends.length) return;
    chunk.ends = [];
    chunk.head = 0;
    // the tail chunk stays to take the next lines after the ones taken (a batch may still view those)
    if (chunk.sealed || chunk !== this.chunks.at(-1)) this.chunks.shift();
  }
}

/** A batch's lines as strings (tests, and sinks that must look inside a batch). */
export function batchLines(batch: LineBatch): string[] {
  const text = batch.pieces.map((piece) => piece.toString("utf8")).join("");
  return text === "" ? [] : text.slice(0, -1).split("\n");
}

/** Lines as one batch, as the log would hand them to its sink (tests, benchmarks, bulk loads). */
export function batchOf(lines: readonly string[]): LineBatch {
  const queue = new LineQueue();
  for (const line of lines) queue.push(line);
  return queue.take(Number.POSITIVE_INFINITY);
}
