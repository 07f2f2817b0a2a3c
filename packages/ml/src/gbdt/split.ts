import { MISSING_BIN } from "./binning.js";
import { HIST, SLOTS, type Histogram } from "./histogram.js";
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
  const { g: totalG, h: totalH, count } = leaf;
  const { sums: hist, list, listed } = leaf.hist;
  const { lambda, minSamplesLeaf, minHessianLeaf, minGain } = params;
  const parentScore = (totalG * totalG) / (totalH + lambda);
  let bestGain = 0;
  let bestPosition = -1;
  let bestBin = 0;
  let bestMissingLeft = false;
  for (let p = from; p < to; p++) {
    const bins = used[p]!;
    const offset = p * HIST;
    const m = (offset + MISSING_BIN) * SLOTS;
    const mg = hist[m]!;
    const mh = hist[m + 1]!;
    const mc = hist[m + 2]!;
    const missing = mc > 0;
    let gl = 0;
    let hl = 0;
    let cl = 0;
    const last = missing ? bins - 1 : bins - 2;
    const end = offset + listed[p]!;
    // bin 0 first, then the listed bins after it
    let next = offset;
    if (next < end && list[next] === 0) next++;
    let b = 0;
    while (b <= last) {
      const at = (offset + b) * SLOTS;
      gl += hist[at]!;
      hl += hist[at + 1]!;
      cl += hist[at + 2]!;
      // counts only grow: once the right side is too small here, it is for every later bin
      if (count - cl < minSamplesLeaf) break;
      if (cl >= minSamplesLeaf) {
        const hr = totalH - hl;
        if (hl >= minHessianLeaf && hr >= minHessianLeaf) {
          const gr = totalG - gl;
          const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentScore;
          if (gain > minGain && gain > bestGain) {
            bestGain = gain;
            bestPosition = p;
            bestBin = b;
            bestMissingLeft = false;
          }
        }
      }
      if (missing && b < bins - 1) {
        // the same candidate with the missing rows sent left
        const gm = gl + mg;
        const hm = hl + mh;
        const cm = cl + mc;
        const hr = totalH - hm;
        if (
          cm >= minSamplesLeaf &&
          count - cm >= minSamplesLeaf &&
          hm >= minHessianLeaf &&
          hr >= minHessianLeaf
        ) {
          const gr = totalG - gm;
          const gain = (gm * gm) / (hm + lambda) + (gr * gr) / (hr + lambda) - parentScore;
          if (gain > minGain && gain > bestGain) {
            bestGain = gain;
            bestPosition = p;
            bestBin = b;
            bestMissingLeft = true;
          }
        }
      }
      if (next === end) break;
      b = list[next++]!;
    }
  }
  return bestPosition < 0
    ? undefined
    : { gain: bestGain, position: bestPosition, bin: bestBin, missingLeft: bestMissingLeft };
}

/** The split a scan over both ranges would choose: the later range's only if strictly better. */
export function mergeSplits(first: Split | undefined, later: Split | undefined): Split | undefined {
  return later && (!first || later.gain > first.gain) ? later : first;
}
