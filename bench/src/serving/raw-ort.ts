import * as ort from "onnxruntime-node";
import type { FeedTensor } from "@lockstep/models";

export interface RawThroughput {
  label: string;
  rowsPerSecond: number;
}

const toOrt = (feeds: Record<string, FeedTensor>, rows: number) =>
  Object.fromEntries(
    Object.entries(feeds).map(([name, t]) => {
      const data = new (t.data.constructor as new (n: number) => Float32Array | Uint8Array)(
        t.data.length * rows,
      );
      for (let r = 0; r < rows; r++) data.set(t.data as never, r * t.data.length);
      return [name, new ort.Tensor(t.type, data, [rows, ...t.dims.slice(1)])];
    }),
  );

/**
 * The physical limit: rows/s of bare session.run on one decoded request, at batch 1 and 64 on one
 * thread, and (for compute-bound models) with 2 threads or 2 runs side by side.
 */
export async function rawThroughput(
  bytes: Uint8Array,
  feeds: Record<string, FeedTensor>,
  seconds: number,
  variants: { label: string; threads: number; parallel: number; batch: number; spinning?: boolean }[],
): Promise<RawThroughput[]> {
  const results: RawThroughput[] = [];
  for (const variant of variants) {
    const session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: variant.threads,
      // the server turns spinning off (its cores are shared with HTTP and decoding): measure both
      ...(variant.spinning === false ? { extra: { session: { intra_op: { allow_spinning: "0" } } } } : {}),
    });
    const input = toOrt(feeds, variant.batch);
    for (let i = 0; i < 5; i++) await session.run(input);
    let rows = 0;
    const end = performance.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: variant.parallel }, async () => {
        while (performance.now() < end) {
          await session.run(input);
          rows += variant.batch;
        }
      }),
    );
    results.push({ label: variant.label, rowsPerSecond: rows / ((performance.now() - started) / 1000) });
    await session.release();
  }
  return results;
}
