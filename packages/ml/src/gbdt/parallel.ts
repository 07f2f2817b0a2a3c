import { availableParallelism } from "node:os";
import {
  isMainThread,
  MessageChannel,
  receiveMessageOnPort,
  Worker,
  workerData,
  type MessagePort,
} from "node:worker_threads";
import type { FeatureBins } from "./binning.js";
import { growTree, type GrowParams, type GrownTree } from "./grow.js";
import { HistogramPool } from "./histogram.js";

/** One tree to grow: its rows and features (its gradients are in the shared buffers). */
interface GrowTask {
  kind: "grow";
  rows: Uint32Array;
  features: number[];
  params: GrowParams;
}

/** A training run's data, shared: sent once per run, before its trees. */
interface SetupTask {
  kind: "setup";
  binned: Uint8Array[];
  bins: FeatureBins[];
  grad: Float64Array;
  hess: Float64Array;
}

const WAITING = 0;
const DONE = 1;
/** The module a helper thread runs: this one, when it is loadable as itself (not from a bundle). */
const SELF = import.meta.url;
/** tsx's API as this module resolves it: the thread imports it by URL, whatever its working directory. */
const TSX = /\/gbdt\/parallel\.ts$/.test(SELF) ? resolved("tsx/esm/api") : undefined;
const LOADABLE = /\/gbdt\/parallel\.js$/.test(SELF) || TSX !== undefined;

function resolved(specifier: string): string | undefined {
  try {
    return typeof import.meta.resolve === "function" ? import.meta.resolve(specifier) : undefined;
  } catch {
    return undefined;
  }
}

let shared: TreeHelper | null | undefined;

/**
 * A second thread that grows one tree while the caller grows another, over the training run's
 * binned data in shared memory; the caller blocks on `Atomics.wait` for it, so training stays
 * synchronous. A tree is grown by the same code from the same inputs wherever it runs, so the
 * model's bytes do not depend on it. One helper per process, started on first use.
 */
export class TreeHelper {
  private grad: Float64Array<ArrayBufferLike> = new Float64Array(0);
  private hess: Float64Array<ArrayBufferLike> = new Float64Array(0);

  private constructor(
    private readonly port: MessagePort,
    private readonly flag: Int32Array,
  ) {}

  /**
   * The process's helper, or undefined where none can run: one core, LOCKSTEP_GBDT_THREADS=1, or
   * this module not loadable in a thread of its own (bundled, or under a test runner's transform).
   */
  static get(): TreeHelper | undefined {
    if (shared !== undefined) return shared ?? undefined;
    shared = null;
    if (!LOADABLE || process.env.LOCKSTEP_GBDT_THREADS === "1" || availableParallelism() < 2)
      return undefined;
    try {
      const flag = new Int32Array(new SharedArrayBuffer(4));
      const { port1, port2 } = new MessageChannel();
      // a .ts module under tsx registers tsx in the thread first (its --import does not reach workers on Node 20)
      const load = TSX
        ? `import(${JSON.stringify(TSX)}).then((tsx) => tsx.register()).then(() => import(${JSON.stringify(SELF)}))`
        : `import(${JSON.stringify(SELF)})`;
      const worker = new Worker(`${load}.catch((error) => { throw error; });`, {
        eval: true,
        workerData: { flag, port: port2 },
        transferList: [port2],
      });
      // a thread that fails to load never says ready: the wait below gives up, training goes on alone
      worker.on("error", () => {});
      worker.unref();
      port1.unref();
      // ready, or not loadable after all: either way it answers (a load error would not; bounded)
      if (Atomics.wait(flag, 0, WAITING, 10_000) === "timed-out" || !receiveMessageOnPort(port1)) {
        void worker.terminate();
        return undefined;
      }
      shared = new TreeHelper(port1, flag);
    } catch {
      return undefined;
    }
    return shared;
  }

  /** Shares a training run's data with the helper; returns the gradient buffers its trees read. */
  setup(
    binned: Uint8Array[],
    bins: FeatureBins[],
    rows: number,
  ): { grad: Float64Array<ArrayBufferLike>; hess: Float64Array<ArrayBufferLike> } {
    const copies = binned.map((column) => {
      const copy = new Uint8Array(new SharedArrayBuffer(column.length));
      copy.set(column);
      return copy;
    });
    this.grad = new Float64Array(new SharedArrayBuffer(rows * 8));
    this.hess = new Float64Array(new SharedArrayBuffer(rows * 8));
    this.port.postMessage({
      kind: "setup",
      binned: copies,
      bins,
      grad: this.grad,
      hess: this.hess,
    } satisfies SetupTask);
    return { grad: this.grad, hess: this.hess };
  }

  /** Starts growing a tree from the gradients now in the shared buffers. */
  begin(rows: Uint32Array, features: number[], params: GrowParams): void {
    Atomics.store(this.flag, 0, WAITING);
    this.port.postMessage({ kind: "grow", rows, features, params } satisfies GrowTask);
  }

  /** Waits for the tree begun last. */
  end(): GrownTree {
    Atomics.wait(this.flag, 0, WAITING);
    const message = receiveMessageOnPort(this.port)?.message as
      { tree?: GrownTree; error?: string } | undefined;
    if (!message?.tree) throw new Error(`the GBDT helper thread failed: ${message?.error ?? "no answer"}`);
    return message.tree;
  }
}

if (!isMainThread && (workerData as { flag?: unknown } | undefined)?.flag instanceof Int32Array) {
  const { flag, port } = workerData as { flag: Int32Array; port: MessagePort };
  let setup: SetupTask | undefined;
  let pool: HistogramPool | undefined;
  const answer = (message: unknown) => {
    port.postMessage(message);
    Atomics.store(flag, 0, DONE);
    Atomics.notify(flag, 0);
  };
  port.on("message", (task: SetupTask | GrowTask) => {
    if (task.kind === "setup") {
      setup = task;
      pool = new HistogramPool(task.bins.length, task.grad.length);
      return;
    }
    try {
      const { binned, bins, grad, hess } = setup!;
      const grown = growTree(
        { binned, bins, grad, hess, rows: task.rows, features: task.features, pool },
        task.params,
      );
      // the leaves' rows are views of this thread's buffer: copied into the answer
      answer({
        tree: { ...grown, leaves: grown.leaves.map((l) => ({ value: l.value, rows: l.rows.slice() })) },
      });
    } catch (error) {
      answer({ error: (error as Error).message });
    }
  });
  answer({ ready: true });
}
