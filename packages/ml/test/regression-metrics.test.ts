import { describe, expect, it } from "vitest";
import {
  leastSquaresOperator,
  mae,
  mape,
  mase,
  matmul,
  rmse,
  seasonalNaiveScale,
  smape,
  solveSpd,
} from "../src/index.js";

describe("metrics against hand-computed values", () => {
  const actual = [100, 200, 300, 400];
  const predicted = [110, 190, 330, 400];
  it("MAE, RMSE, MAPE", () => {
    expect(mae(actual, predicted)).toBeCloseTo(12.5, 12);
    expect(rmse(actual, predicted)).toBeCloseTo(Math.sqrt((100 + 100 + 900) / 4), 12);
    expect(mape(actual, predicted)).toBeCloseTo((100 * (0.1 + 0.05 + 0.1 + 0)) / 4, 12);
    expect(smape(actual, predicted)).toBeCloseTo((100 * (10 / 105 + 10 / 195 + 30 / 315 + 0)) / 4, 12);
    expect(smape([0, 1], [0, 1])).toBe(0);
  });
  it("MASE scales by the in-sample seasonal-naive MAE", () => {
    const train = [1, 2, 3, 5, 7, 9]; // m = 3: |5-1|, |7-2|, |9-3| -> mean 5
    expect(seasonalNaiveScale(train, 3)).toBe(5);
    expect(mase([10, 20], [12, 17], 5)).toBeCloseTo(0.5, 12);
  });
  it("rejects empty, mismatched and undefined inputs", () => {
    expect(() => mae([], [])).toThrow(/empty/);
    expect(() => rmse([1], [1, 2])).toThrow(/differ in length/);
    expect(() => mape([0, 1], [1, 1])).toThrow(/undefined/);
    expect(() => seasonalNaiveScale([1, 2], 12)).toThrow(/more than 12/);
    expect(() => mase([1], [1], 0)).toThrow(/positive/);
  });
});

describe("least squares", () => {
  it("solves a symmetric positive-definite system", () => {
    const x = solveSpd(
      [
        [4, 2],
        [2, 3],
      ],
      [[2], [1]],
    );
    expect(x[0]![0]).toBeCloseTo(0.5, 12);
    expect(x[1]![0]).toBeCloseTo(0, 12);
  });
  it("fits a line exactly and refuses a rank-deficient design", () => {
    const design = [
      [1, 0],
      [1, 1],
      [1, 2],
      [1, 3],
    ];
    const beta = matmul(leastSquaresOperator(design), [[1], [3], [5], [7]]);
    expect(beta[0]![0]).toBeCloseTo(1, 10);
    expect(beta[1]![0]).toBeCloseTo(2, 10);
    expect(() =>
      leastSquaresOperator([
        [1, 2],
        [2, 4],
      ]),
    ).toThrow(/positive definite/);
  });
});
