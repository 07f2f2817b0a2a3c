// A worker thread owning one onnxruntime session. onnxruntime-node's session.run blocks the thread
// that calls it, so sessions live here and the server thread stays free for HTTP while they run.
//
// Plain JavaScript on purpose: on Node 20 a worker thread does not get tsx's loader, and this file
// must run unchanged from source, under vitest and beside the bundle. The messages are typed in
// messages.ts.
import { performance } from "node:perf_hooks";
import process from "node:process";
import { parentPort, workerData } from "node:worker_threads";
import * as ort from "onnxruntime-node";

/** @typedef {import("./messages.js").FromWorker} FromWorker */
/** @typedef {import("./messages.js").ToWorker} ToWorker */
/** @typedef {import("./messages.js").WorkerInit} WorkerInit */

const port = /** @type {import("node:worker_threads").MessagePort} */ (parentPort);
const init = /** @type {WorkerInit} */ (workerData);
/** @param {FromWorker} message */
const send = (message) => port.postMessage(message);
/** @param {unknown} error */
const describe = (error) => ({ message: error instanceof Error ? error.message : String(error) });

/** @type {ort.InferenceSession} */
let session;
try {
  session = await ort.InferenceSession.create(init.model, {
    intraOpNumThreads: init.threads,
    // idle intra-op threads sleep instead of spinning: the cores are shared with HTTP and decoding
    extra: { session: { intra_op: { allow_spinning: "0" } } },
  });
  send({ type: "ready" });
} catch (error) {
  send({ type: "failed", error: describe(error) });
  process.exit(0);
}

// one run at a time, in arrival order; a release waits for the runs sent before it
let last = Promise.resolve();
port.on("message", (/** @type {ToWorker} */ message) => {
  last = last.then(() =>
    message.type === "run"
      ? run(message.id, message.feeds)
      : session.release().finally(() => {
          send({ type: "released" });
          port.close();
        }),
  );
});

/**
 * @param {number} id
 * @param {Record<string, import("../batching/tensors.js").HostTensor>} feeds
 */
async function run(id, feeds) {
  try {
    const started = performance.now();
    const tensors = Object.fromEntries(
      Object.entries(feeds).map(([name, t]) => [
        name,
        new ort.Tensor(/** @type {any} */ (t.type), /** @type {any} */ (t.data), t.dims),
      ]),
    );
    const outputs = await session.run(tensors);
    const ms = performance.now() - started;
    send({
      type: "result",
      id,
      ms,
      outputs: Object.fromEntries(
        Object.entries(outputs).map(([name, t]) => [name, { type: t.type, data: t.data, dims: t.dims }]),
      ),
    });
  } catch (error) {
    send({ type: "error", id, error: describe(error) });
  }
}
