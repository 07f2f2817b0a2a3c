import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SCRIPT = resolve(import.meta.dirname, "fixtures/parallel-train.ts");
const train = (threads: string, rowSampling = "round", classes = "3") => {
  const run = spawnSync(process.execPath, ["--import", "tsx", SCRIPT], {
    env: { ...process.env, LOCKSTEP_GBDT_THREADS: threads, ROW_SAMPLING: rowSampling, CLASSES: classes },
    encoding: "utf8",
  });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as { hash: string; helper: boolean };
};

describe("GBDT on a second thread", () => {
  it.skipIf(availableParallelism() < 2)(
    "grows a round's trees on two threads (one each, and the rest together) into the same model, byte for byte, as on one",
    () => {
      const alone = train("1");
      const helped = train("2");
      expect(alone.helper).toBe(false);
      expect(helped.helper).toBe(true);
      expect(helped.hash).toBe(alone.hash);
      // and with a row sample per tree, drawn before the round's trees grow
      expect(train("2", "tree").hash).toBe(train("1", "tree").hash);
      // and with five classes: three trees of each round grown by both threads, node by node
      expect(train("2", "round", "5").hash).toBe(train("1", "round", "5").hash);
    },
    60_000,
  );
});
