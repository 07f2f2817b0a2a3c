import type { PredictionRecord } from "./record.js";

/**
 * Where logged predictions go. A record is encoded as the request is answered (one flat string:
 * an object graph held until the next write would outlive young-generation collections); the
 * encoded lines are written a batch at a time, and a failed write is retried by the log.
 */
export interface PredictionSink<R = PredictionRecord> {
  readonly name: string;
  /** One record as the line this sink stores (JSON Lines; ClickHouse's JSONEachRow row). */
  encode(record: R): string;
  write(lines: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export interface PredictionLogOptions<R = PredictionRecord> {
  sink: PredictionSink<R>;
  /** Records held while the sink is slow or down; beyond it the oldest are dropped and counted. */
  maxQueue?: number;
  /** Characters of encoded lines held besides the batch being written (the replay sample's bodies); beyond it the oldest are dropped. */
  maxQueueChars?: number;
  /** Records per write. */
  batchSize?: number;
  /** How often the queue is written out. */
  flushMs?: number;
  /** Share of predictions logged, 0 to 1 (1: every prediction). */
  sampleRate?: number;
  /** Longest wait between retries of a failing sink. */
  maxBackoffMs?: number;
  /** Told how many records were dropped, as they are. */
  onDrop?: (count: number) => void;
  /** Told of each failed write (the log retries with backoff; the server keeps serving). */
  onError?: (error: unknown, sink: string) => void;
  random?: () => number;
}

/**
 * A bounded, non-blocking prediction log: `record` only queues (the request never waits for the
 * sink); a timer writes batches; a failing or slow sink holds at most `maxQueue` records besides the batch being written, the
 * oldest dropped beyond it, and is retried with backoff until it answers again.
 */
export class PredictionLog<R = PredictionRecord> {
  private queue: string[] = [];
  /** Characters of the queued lines from `head` (kept only with maxQueueChars). */
  private chars = 0;
  private head = 0;
  /** End of the batch being written (0 when none): its records are not dropped. */
  private inFlightEnd = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private failures = 0;
  private closed = false;
  dropped = 0;
  written = 0;
  readonly maxQueue: number;
  private readonly batchSize: number;
  private readonly flushMs: number;
  private readonly sampleRate: number;

  constructor(private readonly options: PredictionLogOptions<R>) {
    this.maxQueue = options.maxQueue ?? 10_000;
    this.batchSize = options.batchSize ?? 1_000;
    this.flushMs = options.flushMs ?? 1_000;
    this.sampleRate = options.sampleRate ?? 1;
    this.schedule(this.flushMs);
  }

  /** Records waiting for the sink (a batch being written included). */
  get depth(): number {
    return this.queue.length - this.head;
  }

  /** Queues a record (or skips it by the sample rate); never waits, never throws. */
  record(record: R): void {
    if (this.closed) return;
    if (this.sampleRate < 1 && (this.options.random ?? Math.random)() >= this.sampleRate) return;
    let line: string;
    try {
      line = this.options.sink.encode(record);
    } catch {
      return;
    }
    this.queue.push(line);
    // the oldest records not already out in a batch make room
    const from = Math.max(this.head, this.inFlightEnd);
    let over = this.queue.length - from - this.maxQueue;
    const maxChars = this.options.maxQueueChars;
    if (maxChars !== undefined) {
      this.chars += line.length;
      over = Math.max(over, this.overChars(from, maxChars));
    }
    if (over > 0) {
      if (maxChars !== undefined)
        for (let i = from; i < from + over; i++) this.chars -= this.queue[i]!.length;
      if (from === this.head) this.head += over;
      else this.queue.splice(from, over);
      this.dropped += over;
      this.options.onDrop?.(over);
    }
    this.compact();
    // a full batch goes out now: lines held for a whole flush interval outlive young-generation collections
    if (this.depth >= this.batchSize && this.writing === undefined) void this.flush();
  }

  /** Records to drop from `from` so the lines not out in a batch fit in `maxChars` (the newest may not: it goes too). */
  private overChars(from: number, maxChars: number): number {
    let held = this.chars;
    for (let i = this.head; i < from; i++) held -= this.queue[i]!.length;
    let over = 0;
    while (held > maxChars && from + over < this.queue.length) held -= this.queue[from + over++]!.length;
    return over;
  }

  /** Frees the dropped and written front of the queue; never while a batch is out (its indices hold). */
  private compact(): void {
    if (this.writing === undefined && this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.flush(), ms);
    this.timer.unref();
  }

  /** Writes what is queued, a batch at a time; on failure keeps it and backs off. */
  flush(): Promise<void> {
    this.writing ??= this.drain().finally(() => {
      this.writing = undefined;
      this.compact();
    });
    return this.writing;
  }

  private async drain(): Promise<void> {
    clearTimeout(this.timer);
    let next = this.flushMs;
    while (this.depth > 0) {
      let end = Math.min(this.queue.length, this.head + this.batchSize);
      const maxChars = this.options.maxQueueChars;
      if (maxChars !== undefined) {
        // a batch in flight holds at most a quarter of the queue's characters (and at least one line)
        let chars = 0;
        for (let i = this.head; i < end; i++)
          if ((chars += this.queue[i]!.length) > maxChars / 4 && i > this.head) {
            end = i;
            break;
          }
      }
      const batch = this.queue.slice(this.head, end);
      this.inFlightEnd = end;
      try {
        await this.options.sink.write(batch);
      } catch (error) {
        this.inFlightEnd = 0;
        this.failures++;
        this.options.onError?.(error, this.options.sink.name);
        next = Math.min(this.flushMs * 2 ** this.failures, this.options.maxBackoffMs ?? 30_000);
        break;
      }
      this.failures = 0;
      this.inFlightEnd = 0;
      if (this.options.maxQueueChars !== undefined) for (const line of batch) this.chars -= line.length;
      this.head = end;
      this.written += batch.length;
    }
    this.schedule(next);
  }

  /** Stops taking records, writes what is queued (one try), and closes the sink. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    clearTimeout(this.timer);
    await this.options.sink.close();
  }
}
