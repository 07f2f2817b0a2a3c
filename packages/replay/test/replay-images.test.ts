import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { fishPhoto, trainInto } from "@lockstep/inference/testing";
import { emptyLock, type LockFile, type Pin } from "@lockstep/lockfile";
import { replayLine } from "@lockstep/monitor";
import { replayAgainstPin, replayMarkdown, type ClassComparison } from "../src/index.js";

let dir: string;
let lock: LockFile;
let candidate: Pin;

const FISH = {
  backbone: null,
  group: "fish_(\\d+)_",
  cnnLearningRate: 0.003,
  cnnFilters: [8, 16],
  imageSize: 32,
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "lockstep-replay-fish-"));
  const photos = join(dir, "photos");
  for (let label = 0; label < 3; label++) {
    await mkdir(join(photos, `species_${label}`), { recursive: true });
    for (let i = 0; i < 8; i++)
      await writeFile(
        join(photos, `species_${label}`, `fish_${label}${i % 4}_${i}.png`),
        fishPhoto(label, i),
      );
  }
  ({ lock } = await trainInto(
    dir,
    emptyLock(),
    "fish-classifier",
    { ...FISH, cnnEpochs: 30 },
    "file://photos",
  ));
  // a different candidate: fewer epochs
  ({
    candidate: { pin: candidate },
  } = await trainInto(dir, lock, "fish-classifier", { ...FISH, cnnEpochs: 3 }, "file://photos"));
  await writeFile(join(dir, "models.lock.json"), JSON.stringify(lock, null, 2));
}, 600_000);

describe("replaying sampled images (fish-classifier's raw uploads)", () => {
  it("sends the images' bytes through both artifacts' decode and reports agreement and flips", async () => {
    const pin = lock.models["fish-classifier"]!.pins.staging!;
    const lines = Array.from({ length: 12 }, (_, i) =>
      replayLine({
        time: new Date(Date.UTC(2026, 11, 7, 9, 0, i)).toISOString(),
        requestId: `photo-${i}`,
        model: "fish-classifier",
        version: pin.version,
        sha256: pin.sha256,
        route: "/v1/models/fish-classifier/predict",
        kind: "image",
        body: fishPhoto(i % 3, 100 + i).toString("base64"),
      }),
    );
    const folder = join(dir, "sample");
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, "replay-2026-12-07.jsonl"), `${lines.join("\n")}\n`);
    const report = await replayAgainstPin({
      model: "fish-classifier",
      environment: "staging",
      lock,
      lockPath: join(dir, "models.lock.json"),
      candidate: candidate.sha256,
      storeUri: "file://.lockstep/store",
      sampleUri: folder,
    });
    const comparison = report.comparison as ClassComparison;
    expect(comparison.kind).toBe("classes");
    expect(comparison.compared).toBe(12);
    expect(report.pin.refused + report.candidate.refused).toBe(0);
    // 12 requests are fewer than the canary's 50: the class-share verdict cannot be a pass or a fail
    expect(report.canary.measurements.find((m) => m.name === "class-share-shift")!.verdict).toBe(
      "inconclusive",
    );
    expect(replayMarkdown(report)).toContain("Flips (rows: pin, columns: candidate)");
  });
});
