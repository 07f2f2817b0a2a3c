import type { Random } from "../random.js";
import type { GbdtParams } from "./params.js";

/** One round's draws: per tree its rows (ascending), their marks over all rows, and its features. */
export interface RoundSample {
  rows: Uint32Array[];
  /** marks[t][i] is 1 when row i is in tree t's sample (unread when the tree has every row). */
  marks: Uint8Array[];
  features: number[][];
}

/**
 * Each round's row samples and feature sets, drawn from the run's one Random in the order growing
 * the trees one by one draws them: the round's rows (or, with rowSampling "tree", each tree's rows
 * before its features), then each tree's features. Draws depend on nothing trained, so a round can
 * be drawn ahead (`prefetch`, while the caller waits on the other thread): the same draws, the same
 * samples. Two rounds' marks alternate, so the round being applied keeps its own.
 */
export class RoundSampler {
  private readonly allRows: Uint32Array;
  private readonly order: Uint32Array;
  private readonly marks: Uint8Array[][];
  private round = 0;
  private ahead: RoundSample | undefined;

  constructor(
    private readonly random: Random,
    private readonly n: number,
    private readonly width: number,
    private readonly k: number,
    private readonly params: Pick<GbdtParams, "subsample" | "colsample" | "rowSampling">,
  ) {
    this.allRows = Uint32Array.from({ length: n }, (_, i) => i);
    this.order = new Uint32Array(n);
    const sets = params.rowSampling === "tree" ? k : 1;
    this.marks = [0, 1].map(() => Array.from({ length: sets }, () => new Uint8Array(n)));
  }

  /** Every row: trees learning from it have no rows outside their sample. */
  get everyRow(): Uint32Array {
    return this.allRows;
  }

  /** The next round's draws, drawn now (they are taken next). */
  prefetch(): void {
    this.ahead ??= this.draw();
  }

  /** The next round's draws. */
  take(): RoundSample {
    const sample = this.ahead ?? this.draw();
    this.ahead = undefined;
    return sample;
  }

  private draw(): RoundSample {
    const { params, k, width } = this;
    const marks = this.marks[this.round++ % 2]!;
    const perTree = params.rowSampling === "tree";
    // one row sample for the round's trees, or (rowSampling "tree") one per tree, drawn with its features
    const roundRows = perTree ? this.allRows : this.drawRows(marks[0]!);
    const rows: Uint32Array[] = [];
    const features = Array.from({ length: k }, (_, t) => {
      rows.push(perTree ? this.drawRows(marks[t]!) : roundRows);
      const all = Array.from({ length: width }, (_, f) => f);
      return params.colsample < 1
        ? this.random
            .shuffle(all)
            .slice(0, Math.max(1, Math.round(width * params.colsample)))
            .sort((a, b) => a - b)
        : all;
    });
    return { rows, marks: perTree ? marks : Array.from({ length: k }, () => marks[0]!), features };
  }

  private drawRows(into: Uint8Array): Uint32Array {
    const { n, order, random } = this;
    if (this.params.subsample >= 1) return this.allRows;
    const take = Math.max(1, Math.round(n * this.params.subsample));
    // Random.shuffle's Fisher–Yates on a reused array: the same draws, the same sample
    order.set(this.allRows);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random.next() * (i + 1));
      const swap = order[i]!;
      order[i] = order[j]!;
      order[j] = swap;
    }
    into.fill(0);
    for (let j = 0; j < take; j++) into[order[j]!] = 1;
    // the sample ascending, read off the marks
    const rows = new Uint32Array(take);
    for (let i = 0, c = 0; i < n; i++) if (into[i]) rows[c++] = i;
    return rows;
  }
}
