import { PredictionLog, type PredictionSink } from "./prediction-log.js";
import { isoNow } from "./record.js";
import type { ReplayRecord } from "./replay-record.js";

export interface ReplaySampleOptions {
  sink: PredictionSink<ReplayRecord>;
  /** Share of answered requests sampled, 0 to 1. */
  sampleRate: number;
  /** Most requests sampled per model per UTC day: never more are written. */
  maxPerDay: number;
  /** Largest body sampled, in bytes (a larger one is skipped and counted). */
  maxBodyBytes: number;
  /** Whether image bodies are sampled at all (off: only JSON). */
  images: boolean;
  /** Records held while the sink is slow or down. */
  maxQueue: number;
  /** Bytes of records held while the sink is slow or down (from the memory budget). */
  maxQueueBytes: number;
  onError?: (error: unknown, sink: string) => void;
  random?: () => number;
  flushMs?: number;
}

/** One answered request as the server offers it to the sample. */
export interface OfferedRequest {
  model: string;
  version: string;
  sha256: string;
  route: string;
  requestId: string;
  kind: "json" | "image";
  /** The body's bytes as received (already in memory: read once here, into the record's string). */
  bytes: Uint8Array;
}

/** Why offered requests were not sampled. */
export interface ReplaySkips {
  /** Over maxBodyBytes. */
  oversized: number;
  /** Images while images are off. */
  images: number;
  /** Past the day's cap for their model. */
  capped: number;
}

/**
 * The replay sample: a bounded, sampled copy of answered requests' raw bodies per model, queued on
 * the prediction log's machinery (batches, retries, the oldest dropped beyond the queue). `offer`
 * is called after the answer is made and only enqueues: a request never waits for it.
 */
export class ReplaySample {
  readonly log: PredictionLog<ReplayRecord>;
  readonly skipped: ReplaySkips = { oversized: 0, images: 0, capped: 0 };
  sampled = 0;
  /** Requests sampled today per model (the day's cap), reset when the UTC day changes. */
  private today = new Map<string, number>();
  private day = "";

  constructor(private readonly options: ReplaySampleOptions) {
    this.log = new PredictionLog<ReplayRecord>({
      sink: options.sink,
      maxQueue: options.maxQueue,
      maxQueueBytes: options.maxQueueBytes,
      batchSize: 1000,
      flushMs: options.flushMs ?? 1_000,
      onError: options.onError,
    });
  }

  /** Samples a request or skips it (by rate, kind, size or the day's cap); never waits, never throws. */
  offer(request: OfferedRequest): void {
    const { options } = this;
    if (options.sampleRate <= 0) return;
    if (options.sampleRate < 1 && (options.random ?? Math.random)() >= options.sampleRate) return;
    if (request.kind === "image" && !options.images) {
      this.skipped.images++;
      return;
    }
    if (request.bytes.length > options.maxBodyBytes) {
      this.skipped.oversized++;
      return;
    }
    const time = isoNow();
    const day = time.slice(0, 10);
    if (day !== this.day) {
      this.day = day;
      this.today = new Map();
    }
    const count = this.today.get(request.model) ?? 0;
    if (count >= options.maxPerDay) {
      this.skipped.capped++;
      return;
    }
    this.today.set(request.model, count + 1);
    this.sampled++;
    const bytes = Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.length);
    // the one copy of the body: into the record's string (the line concatenates it without another)
    const body = request.kind === "json" ? bytes.toString("utf8") : bytes.toString("base64");
    this.log.record({
      time,
      requestId: request.requestId,
      model: request.model,
      version: request.version,
      sha256: request.sha256,
      route: request.route,
      kind: request.kind,
      body,
    });
  }

  close(): Promise<void> {
    return this.log.close();
  }
}
