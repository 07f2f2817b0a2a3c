import { LineQueue, type LineBatch } from "./line-queue.js";
import type { PredictionRecord } from "./record.js";

/**
 * Where logged predictions go. A record is encoded as the request is answered and its line copied
 * into the log's off-heap queue at once (see LineQueue); lines are written a batch at a time, as
 * newline-terminated UTF-8 pieces, and a failed write is retried by the log.
 */
export interface PredictionSink<R = PredictionRecord> {
  readonly name: string;
  /** One record as the line this sink stores (JSON Lines; ClickHouse's JSONEachRow row), without its newline. */
  encode(record: R): string;
  write(batch: LineBatch): Promise<void>;
  close(): Promise<void>;
}

export interface PredictionLogOptions<R = PredictionRecord> {
  sink: PredictionSink<R>;
  /** Records held while the sink is slow or down; beyond it the oldest are dropped and counted. */
  maxQueue?: number;
  /** Bytes of encoded lines held besides the batch being written (the replay sample's bodies); beyond it the oldest are dropped. */
  maxQueueBytes?: number;
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
  private readonly queue = new LineQueue();
  /** Lines of the batch being written (they are not dropped). */
  private inFlight = 0;
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
    return this.queue.lines + this.inFlight;
  }

  /** Queues a record (or skips it by the sample rate); never waits, never throws. */
  record(record: R): void {
    if (this.closed) return;
    if (this.sampleRate < 1 && (this.options.random ?? Math.random)() >= this.sampleRate) return;
    try {
      this.queue.push(this.options.sink.encode(record));
    } catch {
      return;
    }
    // the oldest records not already out in a batch make room
    let over = this.queue.lines - this.maxQueue;
    const maxBytes = this.options.maxQueueBytes;
    if (maxBytes !== undefined) over = Math.max(over, this.queue.linesOver(maxBytes));
    if (over > 0) {
      const dropped = this.queue.dropOldest(over);
      this.dropped += dropped;
      this.options.onDrop?.(dropped);
    }
    // a full batch goes out now: the sink's write is not held a whole flush interval
    if (this.queue.lines >= this.batchSize && this.writing === undefined) void this.flush();
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.flush(), ms);
    this.timer.unref();
  }

  /** Writes what is queued, a batch at a time; on failure keeps it and backs off. */
  flush(): Promise<void> {
    // a drain under way took what was queued when it began: what came since needs another
    return this.writing ? this.writing.then(() => this.startDrain()) : this.startDrain();
  }

  private startDrain(): Promise<void> {
    this.writing ??= this.drain().finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  private async drain(): Promise<void> {
    clearTimeout(this.timer);
    let next = this.flushMs;
    // what is queued now goes out; lines queued meanwhile wait for a full batch or the next tick
    // (writing until the queue was empty made a write of a few lines per request under load)
    let due = this.queue.lines;
    while (this.queue.lines > 0 && (due > 0 || this.queue.lines >= this.batchSize)) {
      // a batch in flight holds at most a quarter of the queue's bytes (and at least one line)
      const maxBytes = this.options.maxQueueBytes;
      const batch = this.queue.take(this.batchSize, maxBytes === undefined ? undefined : maxBytes / 4);
      this.inFlight = batch.lines;
      try {
        await this.options.sink.write(batch);
      } catch (error) {
        this.queue.putBack(batch);
        this.failures++;
        this.options.onError?.(error, this.options.sink.name);
        next = Math.min(this.flushMs * 2 ** this.failures, this.options.maxBackoffMs ?? 30_000);
        break;
      } finally {
        this.inFlight = 0;
      }
      this.failures = 0;
      this.written += batch.lines;
      due -= batch.lines;
    }
    this.schedule(next);
  }

  /** Stops taking records, writes what is queued (one try), and closes the sink. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    clearTimeout(this.timer);
    await this.options.sink.close();
  }
}
