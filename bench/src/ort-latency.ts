import * as ort from "onnxruntime-node";

/** Per-call latency at batch 1 and throughput at batch 64 for one model's input. */
export async function ortLatency(
  model: Uint8Array,
  input: string,
  width: number,
  make: (rows: number) => Float32Array,
  /** Dimensions after [rows, width], e.g. [1] for [rows, steps, 1]. */
  inner: number[] = [],
) {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
  const time = async (rows: number, maxCalls: number) => {
    const feeds = { [input]: new ort.Tensor("float32", make(rows), [rows, width, ...inner]) };
    const warm = performance.now();
    for (let i = 0; i < 10; i++) await session.run(feeds);
    // about one second of calls per figure, so heavy models do not take minutes
    const calls = Math.max(20, Math.min(maxCalls, Math.round(10_000 / (performance.now() - warm))));
    const samples: number[] = [];
    for (let i = 0; i < calls; i++) {
      const t = performance.now();
      await session.run(feeds);
      samples.push(performance.now() - t);
    }
    samples.sort((a, b) => a - b);
    return samples[Math.floor(samples.length / 2)]!;
  };
  const single = await time(1, 2000);
  const batch = await time(64, 500);
  await session.release();
  return { batch1Us: single * 1000, batch64RowsPerSecond: 64 / (batch / 1000) };
}
