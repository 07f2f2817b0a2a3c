import type { FeatureBins } from "./binning.js";
import { partition, type GrowParams, type Partner } from "./grow.js";
import { HistogramPool, type Histogram } from "./histogram.js";
import { bestSplit, type Split } from "./split.js";

/** The control block's slots (Int32): the caller's sequence, the helper's, the operation and its arguments. */
const SEQ = 0;
const DONE = 1;
const OP = 2;
const SMALL = 3;
const LARGE = 4;
const START = 5;
const LENGTH = 6;
const FAILED = 7;
const FEATURE = 8;
const BIN = 9;
const MISSING_LEFT = 10;
const FOUND = 11; // per leaf: found, position, bin, missing left
const MID = 19;
const INTS = 20;
/** Float64 slots: the root's g and h, then per leaf the gain found. */
const SUMS = 0;
const GAIN = 4;

const ROOT = 1;
const CHILDREN = 2;
const END = 3;
/** Loads before a waiting thread sleeps: a node's partition takes microseconds, a futex wake tens. */
const SPIN = 100_000;

/**
 * One training run's memory for trees grown by both threads together: the gradients and control
 * block are shared; each thread keeps `histograms` histograms of its own (only its positions of
 * them are ever used), matched by id.
 */
export interface CooperationMessage {
  kind: "cooperation";
  histograms: number;
  grad: Float64Array;
  hess: Float64Array;
  ints: Int32Array;
  floats: Float64Array;
}

/** The helper's side of a cooperation: the message, with its own histograms by id. */
export type CooperationSetup = Omit<CooperationMessage, "histograms"> & { histograms: Histogram[] };

/** A tree the helper grows with the caller: its rows, features and params. */
export interface CooperateTask {
  kind: "cooperate";
  rows: Uint32Array;
  features: number[];
  params: GrowParams;
  seq: number;
}

/** Waits until slot `index` holds `value` (`until`) or no longer does: spinning a while, then sleeping. */
function waitFor(ints: Int32Array, index: number, value: number, until: boolean): void {
  for (let spin = 0; spin < SPIN; spin++) if ((Atomics.load(ints, index) === value) === until) return;
  for (;;) {
    const now = Atomics.load(ints, index);
    if ((now === value) === until) return;
    Atomics.wait(ints, index, now, 1000);
  }
}

function writeSplit(ints: Int32Array, floats: Float64Array, leaf: number, split: Split | undefined): void {
  const at = FOUND + leaf * 4;
  ints[at] = split ? 1 : 0;
  if (!split) return;
  ints[at + 1] = split.position;
  ints[at + 2] = split.bin;
  ints[at + 3] = split.missingLeft ? 1 : 0;
  floats[GAIN + leaf] = split.gain;
}

function readSplit(ints: Int32Array, floats: Float64Array, leaf: number): Split | undefined {
  const at = FOUND + leaf * 4;
  if (ints[at] !== 1) return undefined;
  return {
    gain: floats[GAIN + leaf]!,
    position: ints[at + 1]!,
    bin: ints[at + 2]!,
    missingLeft: ints[at + 3] === 1,
  };
}

/**
 * The caller's side: its histograms (at most `histograms` alive per tree), gradients in shared
 * memory, and a control block the two threads hand each node over with.
 */
export class Cooperation {
  readonly pool: HistogramPool;
  readonly grad: Float64Array;
  readonly hess: Float64Array;
  private readonly ints = new Int32Array(new SharedArrayBuffer(INTS * 4));
  private readonly floats = new Float64Array(new SharedArrayBuffer(8 * 8));
  private seq = 0;

  constructor(
    width: number,
    rows: number,
    private readonly histograms: number,
  ) {
    this.pool = new HistogramPool(width, rows, { fixed: histograms });
    this.grad = new Float64Array(new SharedArrayBuffer(rows * 8));
    this.hess = new Float64Array(new SharedArrayBuffer(rows * 8));
  }

  setupMessage(): CooperationMessage {
    const { histograms, grad, hess, ints, floats } = this;
    return { kind: "cooperation", histograms, grad, hess, ints, floats };
  }

  /** The helper's share of one tree; `send` hands it the task, `finish` ends it. */
  partner(rows: Uint32Array, features: number[], params: GrowParams, send: (task: CooperateTask) => void) {
    const { ints, floats } = this;
    const positions = features.length;
    send({ kind: "cooperate", rows, features, params, seq: this.seq });
    // each thread partitions its own rows: an even share of the positions each
    const mid = Math.max(1, Math.floor(positions / 2));
    const start = (op: number) => {
      ints[MID] = mid;
      ints[OP] = op;
      Atomics.store(ints, SEQ, ++this.seq);
      Atomics.notify(ints, SEQ);
      return mid;
    };
    const partner: Partner & { finish(): void } = {
      root: (root) => {
        ints[SMALL] = root.hist.id;
        floats[SUMS] = root.g;
        floats[SUMS + 1] = root.h;
        return start(ROOT);
      },
      children: (leafRows, feature, split, small, large) => {
        ints[SMALL] = small.id;
        ints[LARGE] = large.id;
        ints[START] = leafRows.byteOffset / 4;
        ints[LENGTH] = leafRows.length;
        ints[FEATURE] = feature;
        ints[BIN] = split.bin;
        ints[MISSING_LEFT] = split.missingLeft ? 1 : 0;
        return start(CHILDREN);
      },
      wait: () => {
        waitFor(ints, DONE, this.seq, true);
        if (ints[FAILED]) throw new Error("the GBDT helper thread failed on a shared tree");
        return [readSplit(ints, floats, 0), readSplit(ints, floats, 1)];
      },
      // the helper acknowledges the end before the control block can carry another tree
      finish: () => {
        start(END);
        waitFor(ints, DONE, this.seq, true);
      },
    };
    return partner;
  }
}

/**
 * The helper's side of one shared tree: positions [mid, features) of every node the caller
 * starts (the caller sets mid per node), until it ends the tree. Runs synchronously in the helper's message handler.
 */
export function cooperate(
  task: CooperateTask,
  setup: CooperationSetup,
  data: { binned: Uint8Array[]; bins: FeatureBins[] },
  pool: HistogramPool,
): void {
  const { histograms, grad, hess, ints, floats } = setup;
  const { features, params } = task;
  const to = features.length;
  const used = Int32Array.from(features, (f) => data.bins[f]!.edges.length + 1);
  const input = { binned: data.binned, grad, hess, features };
  const rows = pool.rows(task.rows);
  let seen = task.seq;
  for (;;) {
    waitFor(ints, SEQ, seen, false);
    seen = Atomics.load(ints, SEQ);
    const op = ints[OP];
    const mid = ints[MID]!;
    try {
      if (op === END) break;
      const small = histograms[ints[SMALL]!]!;
      if (op === ROOT) {
        pool.clear(small, used, mid, to);
        pool.fill(small, input, rows, mid, to);
        pool.listUsed(small, used, mid, to);
        const root = { hist: small, g: floats[SUMS]!, h: floats[SUMS + 1]!, count: rows.length };
        writeSplit(ints, floats, 0, bestSplit(root, params, used, mid, to));
      } else {
        const large = histograms[ints[LARGE]!]!;
        const start = ints[START]!;
        const segment = rows.subarray(start, start + ints[LENGTH]!);
        const split = { gain: 0, position: 0, bin: ints[BIN]!, missingLeft: ints[MISSING_LEFT] === 1 };
        const column = data.binned[ints[FEATURE]!]!;
        const { left: nl, lg, lh, rg, rh } = partition(segment, column, split, grad, hess, pool.scratchRows);
        const nr = segment.length - nl;
        const smallIsLeft = nl <= nr;
        pool.clear(small, used, mid, to);
        pool.fill(small, input, smallIsLeft ? segment.subarray(0, nl) : segment.subarray(nl), mid, to);
        pool.split(large, small, mid, to);
        const left = { hist: smallIsLeft ? small : large, g: lg, h: lh, count: nl };
        const right = { hist: smallIsLeft ? large : small, g: rg, h: rh, count: nr };
        writeSplit(ints, floats, 0, bestSplit(left, params, used, mid, to));
        writeSplit(ints, floats, 1, bestSplit(right, params, used, mid, to));
      }
      ints[FAILED] = 0;
    } catch {
      ints[FAILED] = 1;
    }
    Atomics.store(ints, DONE, seen);
    Atomics.notify(ints, DONE);
  }
  Atomics.store(ints, DONE, seen);
  Atomics.notify(ints, DONE);
}
