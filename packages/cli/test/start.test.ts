import { rm, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serializeLock, type LockFile } from "@lockstep/lockfile";
import { trainedProject, trainInto } from "@lockstep/inference/testing";
import { demo } from "../src/commands/demo.js";
import { describeStep, planStart } from "../src/start-plan.js";
import { capture } from "./capture.js";

let dir: string;
let lock: LockFile;
let lockFile: string;

beforeAll(async () => {
  ({ dir, lock } = await trainedProject());
  ({ lock } = await trainInto(dir, lock, "btc-signal"));
  lockFile = join(dir, "models.lock.json");
  await writeFile(lockFile, serializeLock(lock));
}, 300_000);

afterAll(() => rm(dir, { recursive: true, force: true }));

describe("npm start (lockstep demo)", () => {
  it("plans the quickest rebuild first (fish, btc, then co2): present, missing or not pinned", async () => {
    const steps = await planStart(lock, "staging", dir);
    expect(steps.map((s) => [s.model, s.state])).toEqual([
      ["fish-classifier", "unpinned"],
      ["btc-signal", "present"],
      ["co2-forecast", "present"],
    ]);
    const btc = lock.models["btc-signal"]!.pins.staging!;
    const moved = structuredClone(lock);
    moved.models["btc-signal"]!.pins.staging!.sha256 = "f".repeat(64);
    const missing = await planStart(moved, "staging", dir);
    expect(missing[1]).toMatchObject({ model: "btc-signal", state: "missing", version: btc.version });
    expect(describeStep(missing[1]!)).toMatch(
      /btc-signal v1 \(sha256 ffffffffffff\): not in the store yet, rebuilding it/,
    );
    expect(describeStep(missing[0]!)).toMatch(
      /fish-classifier: not pinned, training it and pinning the result/,
    );
  });

  it("loads artifacts already in the store without training, prints a ready line per model and the page's URL", async () => {
    // only the two pinned models: an unpinned fish-classifier would be trained, so pin nothing new
    const out = capture();
    const running = await demo({ lock: lockFile, port: "0", host: "127.0.0.1", onlyPinned: true }, out);
    try {
      const progress = out.errors();
      expect(progress).toMatch(/co2-forecast v1 \(sha256 [0-9a-f]{12}\): in the store, loading it/);
      expect(progress).toMatch(/ready {5}co2-forecast v1 \(sha256 [0-9a-f]{12}\) after \d+\.\d s/);
      expect(progress).toMatch(/ready {5}btc-signal v1/);
      expect(progress).not.toMatch(/training|rebuilding/);
      expect(out.text()).toContain(`Lockstep is serving at http://localhost:${running.port}/`);
      expect(out.text()).toMatch(/All 2 models are ready after/);
      expect((await fetch(`http://127.0.0.1:${running.port}/readyz`)).status).toBe(200);
    } finally {
      await running.server.close();
    }
  });

  it("refuses a lock it cannot read, and says which", async () => {
    const broken = join(dir, "broken.lock.json");
    await writeFile(broken, "{ not json");
    await expect(demo({ lock: broken, port: "0" }, capture())).rejects.toThrow(/broken\.lock\.json/);
    await unlink(broken);
  });
});
