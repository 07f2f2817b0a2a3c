import { describe, expect, it } from "vitest";
import { permutationImportance, Random, rmse, selectFeatures } from "../src/index.js";

// y depends strongly on f0, weakly on f1, not at all on f2
const random = new Random(5);
const rows = Array.from({ length: 300 }, () => [random.normal(), random.normal(), random.normal()]);
const y = rows.map(([a, b]) => 3 * a! + 0.5 * b!);
const predict = (r: number[][]) => r.map(([a, b]) => 3 * a! + 0.5 * b!);

describe("permutation importance", () => {
  it("ranks the features the model relies on", async () => {
    const result = await permutationImportance({
      predict,
      rows,
      y,
      score: rmse,
      greaterIsBetter: false,
      repeats: 4,
      seed: 1,
      names: ["strong", "weak", "noise"],
    });
    expect(result.baseline).toBe(0);
    const [strong, weak, noise] = result.features;
    expect(strong!.mean).toBeGreaterThan(weak!.mean);
    expect(weak!.mean).toBeGreaterThan(0.3);
    expect(noise!.mean).toBe(0);
    expect(strong!.drops).toHaveLength(4);
    expect(rows[0]).toHaveLength(3); // rows untouched
  });

  it("selects features by threshold or by cumulative share", async () => {
    const result = await permutationImportance({
      predict,
      rows,
      y,
      score: rmse,
      greaterIsBetter: false,
      seed: 2,
    });
    expect(selectFeatures(result)).toEqual([0, 1]);
    expect(selectFeatures(result, { cumulative: 0.5 })).toEqual([0]);
    expect(selectFeatures(result, { cumulative: 1 })).toEqual([0, 1]);
    expect(selectFeatures(result, { threshold: 100, minFeatures: 2 })).toEqual([0, 1]);
    expect(() => selectFeatures(result, { cumulative: 0 })).toThrow(RangeError);
  });

  it("rejects ragged or mismatched input", async () => {
    await expect(
      permutationImportance({ predict, rows: [[1, 2], [1]], y: [1, 2], score: rmse }),
    ).rejects.toThrow(/same number/);
    await expect(permutationImportance({ predict, rows, y: [1], score: rmse })).rejects.toThrow(
      /equal length/,
    );
    await expect(permutationImportance({ predict, rows, y, score: rmse, repeats: 0 })).rejects.toThrow(
      /repeats/,
    );
  });
});
