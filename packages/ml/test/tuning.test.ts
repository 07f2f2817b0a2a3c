import { describe, expect, it } from "vitest";
import { MedianPruner, Study, TrialPruned } from "../src/index.js";

const sphere = (x: number[]) => x.reduce((s, v, i) => s + (v - 0.3 * (i + 1)) ** 2, 0);

async function meanBest(sampler: "random" | "tpe", seeds: number): Promise<number> {
  let total = 0;
  for (let seed = 0; seed < seeds; seed++) {
    const study = new Study({ sampler, seed, pruner: null });
    await study.optimize((t) => sphere([0, 1, 2, 3].map((i) => t.suggestFloat(`x${i}`, -5, 5))), {
      trials: 60,
    });
    total += study.best.value;
  }
  return total / seeds;
}

describe("hyper-parameter search", () => {
  it("TPE beats random search on average over fixed seeds (4-D shifted sphere, 60 trials)", async () => {
    const random = await meanBest("random", 8);
    const tpe = await meanBest("tpe", 8);
    expect(tpe).toBeLessThan(random * 0.6);
  });

  it("is seeded: the same seed gives the same trials", async () => {
    const run = async (seed: number) => {
      const study = new Study({ seed });
      await study.optimize((t) => t.suggestFloat("x", 0, 1) + t.suggestInt("n", 1, 9), { trials: 15 });
      return study.trials.map((t) => t.params);
    };
    expect(await run(3)).toEqual(await run(3));
    expect(await run(3)).not.toEqual(await run(4));
  });

  it("samples ints, log scales and categoricals within their spaces, and records every trial", async () => {
    const study = new Study({ direction: "maximize", seed: 1 });
    await study.optimize(
      (t) => {
        const lr = t.suggestFloat("lr", 1e-4, 1e-1, { log: true });
        const depth = t.suggestInt("depth", 2, 10, { step: 2 });
        const leaves = t.suggestInt("leaves", 8, 256, { log: true });
        const loss = t.suggestCategorical("loss", ["l2", "l1", "huber"] as const);
        expect(lr).toBeGreaterThanOrEqual(1e-4);
        expect(lr).toBeLessThanOrEqual(1e-1);
        expect([2, 4, 6, 8, 10]).toContain(depth);
        expect(Number.isInteger(leaves) && leaves >= 8 && leaves <= 256).toBe(true);
        return (loss === "huber" ? 1 : 0) + depth / 10 - Math.abs(Math.log10(lr) + 2);
      },
      { trials: 40 },
    );
    expect(study.trials).toHaveLength(40);
    expect(study.best.params.loss).toBe("huber");
    const row = study.table()[0]!;
    expect(Object.keys(row)).toEqual(
      expect.arrayContaining(["number", "state", "value", "durationMs", "lr", "depth", "leaves", "loss"]),
    );
  });

  it("prunes trials worse than the median at a step", async () => {
    const study = new Study({ seed: 0, pruner: new MedianPruner({ startupTrials: 3 }) });
    await study.optimize(
      (t) => {
        const x = t.suggestFloat("x", 0, 1);
        for (let step = 0; step < 5; step++) {
          t.report(x * (5 - step), step);
          if (t.shouldPrune()) throw new TrialPruned();
        }
        return x;
      },
      { trials: 30 },
    );
    const pruned = study.trials.filter((t) => t.state === "pruned");
    expect(pruned.length).toBeGreaterThan(3);
    for (const t of pruned) expect(t.params.x as number).toBeGreaterThan(study.best.value);
  });

  it("records failing trials and rejects invalid spaces", async () => {
    const study = new Study({ seed: 0 });
    await study.optimize(
      (t) => {
        if (t.suggestInt("n", 0, 1) === 0) throw new Error("boom");
        return 1;
      },
      { trials: 10 },
    );
    expect(study.trials.some((t) => t.state === "failed" && t.error === "boom")).toBe(true);
    const bad = new Study();
    await bad.optimize((t) => t.suggestFloat("x", 1, 0), { trials: 1 });
    expect(bad.trials[0]!.error).toMatch(/low 1 must be <= high 0/);
    await bad.optimize((t) => t.suggestFloat("y", 0, 1, { log: true }), { trials: 1 });
    expect(bad.trials[1]!.error).toMatch(/log scale needs low > 0/);
    await bad.optimize((t) => t.suggestFloat("x", 0, 2), { trials: 1 });
    await bad.optimize((t) => t.suggestFloat("x", 0, 3), { trials: 1 });
    expect(bad.trials[3]!.error).toMatch(/different range/);
    await bad.optimize(() => Number.NaN, { trials: 1 });
    expect(bad.trials[4]!.error).toMatch(/not a number/);
    expect(() => new Study().best).toThrow(/no trial completed/);
    await expect(bad.optimize(() => 1, { trials: 0 })).rejects.toThrow(RangeError);
  });
});
