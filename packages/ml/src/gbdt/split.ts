import type { Histogram } from "./histogram.js";
import type { GbdtParams } from "./params.js";

export type SplitParams = Pick<GbdtParams, "minSamplesLeaf" | "minHessianLeaf" | "lambda" | "minGain">;

export interface Split {
  gain: number;
  position: number;
  bin: number;
  missingLeft: boolean;
}

/** A leaf's histogram and the sums over its rows. */
export interface LeafSums {
  hist: Histogram;
  g: number;
  h: number;
  count: number;
}

/**
 * The best split of a leaf over its histogram's listed bins. A bin b > 0 left out holds exact
 * zeros and offers the very candidates bin b - 1 offered, which cannot beat them strictly; bin 0
 * is read whatever its sums (its candidate with only the missing rows left counts). So the gains
 * compared, in their order, and the split chosen are those of a scan over every bin. Positions
 * [from, to) only: the first of the highest gains over all positions is the range results merged.
 */
export function bestSplit(
  leaf: LeafSums,
  params: SplitParams,
  used: Int32Array,
  from: number,
  to: number,
): Split | undefined {
  const { lambda, minSamplesLeaf, minHessianLeaf, minGain } = params;
  const { g, h, count, hist } = leaf;
  const best = hist.arena.best(hist, used, from, to, {
    g,
    h,
    count,
    lambda,
    minSamplesLeaf,
    minHessianLeaf,
    minGain,
  });
  return best.position < 0 ? undefined : best;
}

/** The split a scan over both ranges would choose: the later range's only if strictly better. */
export function mergeSplits(first: Split | undefined, later: Split | undefined): Split | undefined {
  return later && (!first || later.gain > first.gain) ? later : first;
}
