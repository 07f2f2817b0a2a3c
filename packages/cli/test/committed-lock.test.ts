import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { readLock } from "@lockstep/lockfile";
import { verifyPin } from "@lockstep/verify";

const ROOT = resolve(import.meta.dirname, "../../..");

const MODELS = ["co2-forecast", "btc-signal", "fish-classifier"];

describe("the committed models.lock.json", () => {
  it("pins every model in staging", async () => {
    const lock = await readLock(join(ROOT, "models.lock.json"));
    for (const model of MODELS) expect(lock.models[model]?.pins.staging, model).toBeDefined();
    // pins are shared through git: none may point at one machine's files
    for (const model of MODELS)
      expect(lock.models[model]!.pins.staging!.uri).toMatch(/^file:\/\/\.lockstep\/store\//);
  });

  it.each(MODELS)(
    "its %s pin is what training with the defaults rebuilds, and verifies (npm start and verify --reproduce rely on it)",
    async (model) => {
      const lock = await readLock(join(ROOT, "models.lock.json"));
      const pin = lock.models[model]!.pins.staging!;
      // an empty store, as on a fresh clone: verification must rebuild the artifact byte for byte
      const dir = await mkdtemp(join(tmpdir(), "lockstep-pin-"));
      const result = await verifyPin(model, "staging", pin, {
        storeOptions: { baseDir: dir },
        reproduce: { baseDir: dir },
      }).finally(() => rm(dir, { recursive: true, force: true }));
      const failed = result.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
      expect(
        failed,
        `${model} training no longer rebuilds the committed pin: a fresh clone's \`npm start\` would refuse to serve it. ` +
          `If the change is intended, remove its staging pin from models.lock.json and run \`npm start\` (or \`npx lockstep train ${model} --pin\`).`,
      ).toEqual([]);
      expect(result.checks.find((c) => c.name === "artifact")!.detail).toMatch(/rebuilt .* byte-identical/);
      expect(result.checks.map((c) => c.name)).toContain("golden");
    },
    600_000, // the default trainings run (co2-forecast the longest: bench/RESULTS.md has the times)
  );
});
