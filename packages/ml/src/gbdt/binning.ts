/**
 * Quantile binning: each feature's values map to at most `maxBins` ordered bins; bin b holds the
 * values v with edges[b-1] < v <= edges[b]. NaN (missing) goes to the reserved MISSING bin.
 * Values and edges are compared as float32, as onnxruntime compares them.
 */
export const MISSING_BIN = 255;
export const MAX_BINS = 255;

export interface FeatureBins {
  /** Upper edges of bins 0..n-2 (the last bin is open above). */
  edges: Float64Array;
}

const SAMPLE_LIMIT = 200_000;

export function fitBins(column: ArrayLike<number>, maxBins: number): FeatureBins {
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > MAX_BINS) {
    throw new RangeError(`maxBins must be an integer from 2 to ${MAX_BINS}, got ${maxBins}`);
  }
  const values: number[] = [];
  const stride = Math.max(1, Math.floor(column.length / SAMPLE_LIMIT));
  for (let i = 0; i < column.length; i += stride)
    if (Number.isFinite(column[i])) values.push(Math.fround(column[i]!));
  values.sort((a, b) => a - b);
  const unique: number[] = [];
  for (const v of values) if (unique.length === 0 || unique[unique.length - 1] !== v) unique.push(v);
  if (unique.length <= maxBins) return { edges: Float64Array.from(unique.slice(0, -1)) };
  const edges: number[] = [];
  for (let b = 1; b < maxBins; b++) {
    const edge = values[Math.min(values.length - 1, Math.floor((b * values.length) / maxBins))]!;
    if (edges.length === 0 || edge > edges[edges.length - 1]!) edges.push(edge);
  }
  // the largest value must fall in the open last bin, not on an edge
  while (edges.length > 0 && edges[edges.length - 1]! >= unique[unique.length - 1]!) edges.pop();
  return { edges: Float64Array.from(edges) };
}

/** The bin of one value (binary search over the edges). */
export function binOf(bins: FeatureBins, value: number): number {
  if (Number.isNaN(value)) return MISSING_BIN;
  const v = Math.fround(value);
  const { edges } = bins;
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Bins a whole feature column into a Uint8Array. */
export function binColumn(bins: FeatureBins, column: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(column.length);
  for (let i = 0; i < column.length; i++) out[i] = binOf(bins, column[i]!);
  return out;
}
