import { describe, expect, it } from "vitest";
import {
  groupKFold,
  holdOut,
  purgedKFold,
  rollingOrigin,
  stratifiedKFold,
  walkForward,
} from "../src/index.js";

const disjointAndComplete = (train: number[], test: number[], n: number) => {
  expect(train.filter((i) => test.includes(i))).toEqual([]);
  expect([...train, ...test].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
};

describe("splits", () => {
  it("hold-out: seeded, disjoint, complete; time-ordered without shuffling", () => {
    const split = holdOut(10, { testFraction: 0.3, seed: 7 });
    expect(split.test).toHaveLength(3);
    disjointAndComplete(split.train, split.test, 10);
    expect(holdOut(10, { testFraction: 0.3, seed: 7 })).toEqual(split);
    expect(holdOut(10, { testFraction: 0.3, shuffle: false }).test).toEqual([7, 8, 9]);
    expect(() => holdOut(10, { testFraction: 1 })).toThrow(RangeError);
    expect(() => holdOut(1)).toThrow(RangeError);
  });

  it("stratified k-fold keeps class proportions in every fold", () => {
    const labels = [...new Array(30).fill(0), ...new Array(15).fill(1), ...new Array(5).fill(2)];
    const folds = stratifiedKFold(labels, 5, 3);
    expect(folds).toHaveLength(5);
    const seen = new Set<number>();
    for (const fold of folds) {
      disjointAndComplete(fold.train, fold.test, 50);
      expect(fold.test.filter((i) => labels[i] === 0)).toHaveLength(6);
      expect(fold.test.filter((i) => labels[i] === 1)).toHaveLength(3);
      expect(fold.test.filter((i) => labels[i] === 2)).toHaveLength(1);
      fold.test.forEach((i) => seen.add(i));
    }
    expect(seen.size).toBe(50);
    expect(() => stratifiedKFold([0, 1], 3)).toThrow(RangeError);
  });

  it("group k-fold never splits a group", () => {
    const groups = Array.from({ length: 40 }, (_, i) => `track-${Math.floor(i / 3)}`);
    for (const fold of groupKFold(groups, 4, 1)) {
      disjointAndComplete(fold.train, fold.test, 40);
      const testGroups = new Set(fold.test.map((i) => groups[i]));
      expect(fold.train.some((i) => testGroups.has(groups[i]))).toBe(false);
    }
    expect(() => groupKFold(["a", "a", "b"], 3)).toThrow(/2 groups/);
  });

  it("rolling origin ends at the last point", () => {
    const splits = rollingOrigin(100, { origins: 3, horizon: 12, spacing: 6 });
    expect(splits.map((s) => [s.train.length, s.test[0], s.test.at(-1)])).toEqual([
      [76, 76, 87],
      [82, 82, 93],
      [88, 88, 99],
    ]);
    expect(() => rollingOrigin(20, { origins: 3, horizon: 12, minTrain: 5 })).toThrow(/training points/);
  });

  it("walk-forward purges the rows whose labels overlap the test block", () => {
    const splits = walkForward(100, { folds: 4, testSize: 10, purge: 3 });
    expect(splits.map((s) => [s.train.at(-1), s.test[0], s.test.at(-1)])).toEqual([
      [56, 60, 69],
      [66, 70, 79],
      [76, 80, 89],
      [86, 90, 99],
    ]);
    const sliding = walkForward(100, { folds: 2, testSize: 10, purge: 0, maxTrain: 20 });
    expect(sliding[0]!.train).toEqual(Array.from({ length: 20 }, (_, i) => 60 + i));
    expect(() => walkForward(20, { folds: 3, testSize: 10 })).toThrow(/training rows/);
    expect(() => walkForward(20, { folds: 1, testSize: 5, purge: -1 })).toThrow(/purge/);
  });

  it("purged k-fold drops purge rows before and embargo rows after each test block", () => {
    const folds = purgedKFold(20, { k: 4, purge: 2, embargo: 1 });
    expect(folds[1]!.test).toEqual([5, 6, 7, 8, 9]);
    expect(folds[1]!.train).toEqual([0, 1, 2, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(folds[0]!.train[0]).toBe(6);
    expect(() => purgedKFold(3, { k: 4 })).toThrow(RangeError);
  });
});
