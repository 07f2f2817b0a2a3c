// One bare onnxruntime session in a worker thread, run in a loop on one prepared input until the
// main thread's deadline; answers how many runs it made and in how long. Plain JavaScript: worker
// threads do not get tsx's loader.
import { performance } from "node:perf_hooks";
import { parentPort, workerData } from "node:worker_threads";
import * as ort from "onnxruntime-node";

const { model, threads, spinning, feeds, warmup } = workerData;
const session = await ort.InferenceSession.create(model, {
  intraOpNumThreads: threads,
  ...(spinning ? {} : { extra: { session: { intra_op: { allow_spinning: "0" } } } }),
});
const input = Object.fromEntries(
  Object.entries(feeds).map(([name, t]) => [name, new ort.Tensor(t.type, t.data, t.dims)]),
);
for (let i = 0; i < warmup; i++) await session.run(input);
parentPort.postMessage({ type: "warm" });
// every worker starts the timed loop together, when the main thread says so
const start = await new Promise((resolve) => parentPort.once("message", resolve));
const began = performance.now();
let runs = 0;
while (Date.now() < start.until) {
  await session.run(input);
  runs++;
}
const ms = performance.now() - began;
await session.release();
parentPort.postMessage({ type: "done", runs, ms });
