import { Worker } from "node:worker_threads";
import type { FeedTensor } from "@lockstep/models";

export interface RawThroughput {
  label: string;
  rowsPerSecond: number;
}

export interface RawVariant {
  label: string;
  /** Intra-op threads inside each session. */
  threads: number;
  /** Sessions side by side, each in its own worker thread (as the server runs instances). */
  sessions: number;
  batch: number;
  /** onnxruntime's intra-op spinning (default on; the server turns it off). */
  spinning?: boolean;
}

/** The decoded request repeated `rows` times along the batch dimension. */
const stacked = (feeds: Record<string, FeedTensor>, rows: number) =>
  Object.fromEntries(
    Object.entries(feeds).map(([name, t]) => {
      const data = new (t.data.constructor as new (n: number) => Float32Array | Uint8Array)(
        t.data.length * rows,
      );
      for (let r = 0; r < rows; r++) data.set(t.data as never, r * t.data.length);
      return [name, { type: t.type, data, dims: [rows, ...t.dims.slice(1)] }];
    }),
  );

const WORKER = new URL("./raw-ort-worker.mjs", import.meta.url);

/**
 * The physical limit: rows/s of bare session.run on one decoded request, with nothing else in the
 * loop. Every session runs in its own worker thread, so sessions side by side really run at once
 * (onnxruntime-node serialises runs on one thread).
 */
export async function rawThroughput(
  bytes: Uint8Array,
  feeds: Record<string, FeedTensor>,
  seconds: number,
  variants: RawVariant[],
): Promise<RawThroughput[]> {
  const results: RawThroughput[] = [];
  for (const variant of variants) {
    const workerData = {
      model: bytes,
      threads: variant.threads,
      spinning: variant.spinning !== false,
      feeds: stacked(feeds, variant.batch),
      warmup: 5,
    };
    const workers = Array.from({ length: variant.sessions }, () => new Worker(WORKER, { workerData }));
    const next = (worker: Worker) =>
      new Promise<{ runs?: number; ms?: number }>((resolve, reject) => {
        worker.once("message", resolve);
        worker.once("error", reject);
      });
    try {
      await Promise.all(workers.map(next));
      const started = Date.now();
      const done = workers.map(next);
      for (const worker of workers) worker.postMessage({ until: started + seconds * 1000 });
      // the sessions ran at the same time: their rates add up
      const rates = (await Promise.all(done)).map((m) => (m.runs! * variant.batch) / (m.ms! / 1000));
      results.push({ label: variant.label, rowsPerSecond: rates.reduce((a, b) => a + b, 0) });
    } finally {
      await Promise.all(workers.map((worker) => worker.terminate()));
    }
  }
  return results;
}
