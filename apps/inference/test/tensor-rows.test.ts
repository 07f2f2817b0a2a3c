import { describe, expect, it } from "vitest";
import { MAX_LOGGED_ROWS, tensorRows } from "../src/tensor-rows.js";

const tensor = (rows: number, width: number) => ({
  type: "float32" as const,
  data: Float32Array.from({ length: rows * width }, (_, i) => i),
  dims: [rows, width],
});

describe("tensorRows", () => {
  it("splits a batch into single-row feeds without copying", () => {
    const feeds = {
      x: tensor(3, 2),
      y: { type: "uint8" as const, data: new Uint8Array(3 * 4), dims: [3, 2, 2] },
    };
    const rows = tensorRows(feeds)!;
    expect(rows).toHaveLength(3);
    expect(Array.from(rows[1]!.x!.data)).toEqual([2, 3]);
    expect(rows[1]!.x!.dims).toEqual([1, 2]);
    expect(rows[2]!.y!.dims).toEqual([1, 2, 2]);
    expect(rows[0]!.x!.data.buffer).toBe(feeds.x.data.buffer);
  });

  it("logs a bounded number of rows of a large request", () => {
    expect(tensorRows({ x: tensor(10_000, 1) })).toHaveLength(MAX_LOGGED_ROWS);
  });

  it("gives nothing for inputs that disagree on their rows, or hold none", () => {
    expect(tensorRows({ x: tensor(2, 1), y: tensor(3, 1) })).toBeUndefined();
    expect(tensorRows({ x: tensor(0, 1) })).toBeUndefined();
    expect(tensorRows({})).toBeUndefined();
  });
});
