import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { readLock } from "@lockstep/lockfile";
import { trainCandidate } from "@lockstep/models";

const ROOT = resolve(import.meta.dirname, "../../..");

describe("the committed models.lock.json", () => {
  it("is valid, and its co2-forecast pin is what training with the defaults rebuilds (npm start relies on it)", async () => {
    const lock = await readLock(join(ROOT, "models.lock.json"));
    const pin = lock.models["co2-forecast"]!.pins.staging!;
    const dir = await mkdtemp(join(tmpdir(), "lockstep-pin-"));
    const candidate = await trainCandidate({
      model: "co2-forecast",
      context: { log: () => {}, baseDir: dir },
    }).finally(() => rm(dir, { recursive: true, force: true }));
    expect(
      candidate.pin.sha256,
      "co2-forecast training no longer rebuilds the committed pin: a fresh clone's `npm start` would refuse to serve. " +
        "If the change is intended, remove the staging pin from models.lock.json and run `npx lockstep train co2-forecast --pin`.",
    ).toBe(pin.sha256);
    expect(candidate.pin.bytes).toBe(pin.bytes);
    expect(candidate.pin.metrics).toEqual(pin.metrics);
  }, 600_000); // the default training run: about two minutes on 2 cores
});
