import type { CandleSeries } from "./candles.js";
import { featureMatrix, LOOKBACK } from "./features.js";
import { tripleBarrierLabel, type Barriers } from "./labels.js";

/** Labelled rows in time order: features of bar `bars[k]`, label `y[k]`. */
export interface Dataset {
  rows: number[][];
  y: number[];
  /** Index into the series' candles of each row's bar. */
  bars: number[];
  /** Bars with features but no label (the last `horizon` bars, or a label window over a gap). */
  unlabelled: number;
}

export function buildDataset(series: CandleSeries, barriers: Barriers): Dataset {
  const features = featureMatrix(series.candles);
  const rows: number[][] = [];
  const y: number[] = [];
  const bars: number[] = [];
  let unlabelled = 0;
  features.forEach((row, k) => {
    const bar = k + LOOKBACK - 1;
    const label = tripleBarrierLabel(series.candles, bar, barriers, series.intervalMs);
    if (label === undefined) {
      unlabelled++;
      return;
    }
    rows.push(row);
    y.push(label);
    bars.push(bar);
  });
  return { rows, y, bars, unlabelled };
}

/** Keeps the given feature columns of every row. */
export const project = (rows: number[][], features: number[]): number[][] =>
  rows.map((row) => features.map((f) => row[f]!));

export const take = <T>(values: readonly T[], indices: readonly number[]): T[] =>
  indices.map((i) => values[i]!);
