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
import {
  cooperate,
  Cooperation,
  type CooperateTask,
  type CooperationMessage,
  type CooperationSetup,
} from "./cooperate.js";
import { growTree, type GrowParams, type GrownTree, type Partner } from "./grow.js";
import { HistogramPool } from "./histogram.js";
import type { TreeNode } from "./tree.js";

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
  /** The helper's row buffer: its trees' leaves are read off it. */
  rows: Uint32Array;
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
  private rows: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

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
    this.rows = new Uint32Array(new SharedArrayBuffer(rows * 4));
    this.port.postMessage({
      kind: "setup",
      rows: this.rows,
      binned: copies,
      bins,
      grad: this.grad,
      hess: this.hess,
    } satisfies SetupTask);
    return { grad: this.grad, hess: this.hess };
  }

  /** Shares the memory of trees both threads grow together (`partner`) with the helper. */
  cooperation(width: number, rows: number, histograms: number): Cooperation {
    const cooperation = new Cooperation(width, rows, histograms);
    this.port.postMessage(cooperation.setupMessage());
    return cooperation;
  }

  /** The helper's half of a tree the caller grows now, over `cooperation`'s memory; `finish` ends it. */
  partner(
    cooperation: Cooperation,
    rows: Uint32Array,
    features: number[],
    params: GrowParams,
  ): Partner & { finish(): void } {
    return cooperation.partner(rows, features, params, (task) => this.port.postMessage(task));
  }

  /** Starts growing a tree from the gradients now in the shared buffers. */
  begin(rows: Uint32Array, features: number[], params: GrowParams): void {
    Atomics.store(this.flag, 0, WAITING);
    this.port.postMessage({ kind: "grow", rows, features, params } satisfies GrowTask);
  }

  /** Waits for the tree begun last: its leaves' rows are views of the helper's row buffer. */
  end(): GrownTree {
    Atomics.wait(this.flag, 0, WAITING);
    const message = receiveMessageOnPort(this.port)?.message as
      { tree?: EncodedTree; error?: string } | undefined;
    if (!message?.tree) throw new Error(`the GBDT helper thread failed: ${message?.error ?? "no answer"}`);
    return decodeTree(message.tree, this.rows);
  }
}

/** A grown tree as a few typed arrays (a structured clone of its objects costs more than growing it). */
interface EncodedTree {
  /** Per node 7 numbers: 1, feature, threshold, missing left, left, right, gain; or 0 and the leaf value. */
  nodes: Float64Array;
  splitBins: Int32Array;
  /** Per leaf its rows' offset in the row buffer, their count and its value. */
  leaves: Float64Array;
}

const NODE = 7;

function encodeTree(grown: GrownTree): EncodedTree {
  const { nodes } = grown.tree;
  const encoded = new Float64Array(nodes.length * NODE);
  nodes.forEach((node, i) => {
    const at = i * NODE;
    if (node.kind === "leaf") {
      encoded[at + 1] = node.value;
      return;
    }
    encoded.set(
      [1, node.feature, node.threshold, node.missingLeft ? 1 : 0, node.left, node.right, node.gain],
      at,
    );
  });
  const leaves = new Float64Array(grown.leaves.length * 3);
  grown.leaves.forEach((leaf, i) =>
    leaves.set([leaf.rows.byteOffset / 4, leaf.rows.length, leaf.value], i * 3),
  );
  return { nodes: encoded, splitBins: grown.splitBins, leaves };
}

/** The tree as grow.ts builds it, its nodes' properties in the same order (the model's JSON keeps it). */
function decodeTree(encoded: EncodedTree, rows: Uint32Array): GrownTree {
  const { nodes: e, leaves: l } = encoded;
  const nodes: TreeNode[] = [];
  for (let at = 0; at < e.length; at += NODE) {
    nodes.push(
      e[at] === 1
        ? {
            kind: "split",
            feature: e[at + 1]!,
            threshold: e[at + 2]!,
            missingLeft: e[at + 3] === 1,
            left: e[at + 4]!,
            right: e[at + 5]!,
            gain: e[at + 6]!,
          }
        : { kind: "leaf", value: e[at + 1]! },
    );
  }
  const leaves: GrownTree["leaves"] = [];
  for (let i = 0; i < l.length; i += 3)
    leaves.push({ value: l[i + 2]!, rows: rows.subarray(l[i]!, l[i]! + l[i + 1]!) });
  return { tree: { nodes }, splitBins: encoded.splitBins, leaves };
}

if (!isMainThread && (workerData as { flag?: unknown } | undefined)?.flag instanceof Int32Array) {
  const { flag, port } = workerData as { flag: Int32Array; port: MessagePort };
  let setup: SetupTask | undefined;
  let pool: HistogramPool | undefined;
  let together: CooperationSetup | undefined;
  const answer = (message: unknown) => {
    port.postMessage(message);
    Atomics.store(flag, 0, DONE);
    Atomics.notify(flag, 0);
  };
  port.on("message", (task: SetupTask | GrowTask | CooperationMessage | CooperateTask) => {
    if (task.kind === "setup") {
      setup = task;
      pool = new HistogramPool(task.bins.length, task.grad.length, { rows: task.rows });
      return;
    }
    if (task.kind === "cooperation") {
      // its own histograms, in the memory its fills run in
      together = { ...task, histograms: pool!.reserve(task.histograms) };
      return;
    }
    if (task.kind === "cooperate") {
      // failures are reported through the shared control block
      cooperate(task, together!, setup!, pool!);
      return;
    }
    try {
      const { binned, bins, grad, hess } = setup!;
      const grown = growTree(
        { binned, bins, grad, hess, rows: task.rows, features: task.features, pool },
        task.params,
      );
      // the leaves' rows stay where they are, in the shared row buffer
      answer({ tree: encodeTree(grown) });
    } catch (error) {
      answer({ error: (error as Error).message });
    }
  });
  answer({ ready: true });
}
