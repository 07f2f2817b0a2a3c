import { describe, expect, it } from "vitest";
import { argmax, Random, rocAucOvr, trainLogistic } from "../src/index.js";

/** Three classes along the first feature, the second pure noise, the third constant. */
function data(n: number, seed: number) {
  const random = new Random(seed);
  const rows: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 3;
    rows.push([label * 10 + random.next() * 6, random.next() * 100, 7]);
    y.push(label);
  }
  return { rows, y };
}

describe("multinomial logistic regression", () => {
  it("separates classes a linear score can tell apart, ignoring noise and a constant feature", () => {
    const train = data(600, 1);
    const test = data(300, 2);
    const model = trainLogistic(train.rows, train.y, 3);
    const p = model.predict(test.rows);
    for (const row of p) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const accuracy = p.filter((row, i) => argmax(row) === test.y[i]).length / p.length;
    expect(accuracy).toBeGreaterThan(0.9);
    expect(rocAucOvr(test.y, p, "weighted")).toBeGreaterThan(0.95);
  });

  it("is deterministic, and reads a non-finite value as the training mean", () => {
    const train = data(90, 3);
    const a = trainLogistic(train.rows, train.y, 3).predict([[10, 50, 7]]);
    const b = trainLogistic(train.rows, train.y, 3).predict([[10, 50, 7]]);
    expect(a).toEqual(b);
    const [missing] = trainLogistic(train.rows, train.y, 3).predict([
      [Number.NaN, Number.POSITIVE_INFINITY, 7],
    ]);
    expect(missing!.every(Number.isFinite)).toBe(true);
  });

  it.each([
    ["no rows", [], [], 3, /non-empty/],
    ["labels of another length", [[1]], [0, 1], 3, /equal length/],
    ["one class", [[1]], [0], 1, /classes must be an integer >= 2/],
    ["a label outside the classes", [[1], [2]], [0, 3], 3, /label 3 is outside 0..2/],
    ["a fractional label", [[1], [2]], [0, 0.5], 3, /label 0.5/],
  ])("refuses %s", (_what, rows, y, classes, message) => {
    expect(() => trainLogistic(rows as number[][], y as number[], classes as number)).toThrow(
      message as RegExp,
    );
  });
});
