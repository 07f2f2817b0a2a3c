// Models trained with tiny budgets for tests and benches that need a served model, not a good one.
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bumpPin, emptyLock, type LockFile } from "@lockstep/lockfile";
import { fish, getModel, trainCandidate, type Candidate } from "@lockstep/models";

const quiet = { log: () => {} };

/** Trains a model with its smoke budget into dir's file store and pins it for staging. */
export async function trainInto(
  dir: string,
  lock: LockFile,
  model: string,
  params: Record<string, unknown> = {},
  data?: string,
): Promise<{ lock: LockFile; candidate: Candidate }> {
  const spec = getModel(model);
  const candidate = await trainCandidate({
    model,
    params: { ...spec.smokeParams, ...params },
    data,
    lock,
    environment: "staging",
    context: { ...quiet, baseDir: dir },
  });
  return { lock: bumpPin(lock, model, "staging", candidate.pin, spec.gate), candidate };
}

/** A temp project dir with a trained co2-forecast in its file store and a lock pinning it. */
export async function trainedProject(): Promise<{ dir: string; lock: LockFile; candidate: Candidate }> {
  const dir = await mkdtemp(join(tmpdir(), "lockstep-serve-"));
  const { lock, candidate } = await trainInto(dir, emptyLock(), "co2-forecast");
  return { dir, lock, candidate };
}

/** A 48x40 PNG: class 0 a red disc, class 1 a blue bar, class 2 a green square, on grey with noise. */
export function fishPhoto(label: number, seed: number): Buffer {
  const [w, h] = [48, 40];
  const rgb = new Uint8Array(w * h * 3);
  let s = seed * 7919 + label;
  const noise = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) % 30) - 15;
  const colours = [
    [220, 40, 40],
    [40, 40, 220],
    [40, 200, 40],
  ];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const inside = [
        (x - 24) ** 2 + (y - 20) ** 2 < 120,
        Math.abs(x - 24) < 4,
        Math.abs(x - 24) < 9 && Math.abs(y - 20) < 9,
      ][label];
      const colour = inside ? colours[label]! : [120, 120, 120];
      rgb.set(
        colour.map((c) => Math.max(0, Math.min(255, c + noise()))),
        (y * w + x) * 3,
      );
    }
  return fish.encodePng(w, h, rgb);
}

/** All three models trained with tiny budgets (fish as a small CNN on synthetic photos). */
export async function threeModelProject(): Promise<{ dir: string; lock: LockFile }> {
  const dir = await mkdtemp(join(tmpdir(), "lockstep-serve3-"));
  const photos = join(dir, "photos");
  for (let label = 0; label < 3; label++) {
    await mkdir(join(photos, `species_${label}`), { recursive: true });
    for (let i = 0; i < 8; i++) {
      await writeFile(
        join(photos, `species_${label}`, `fish_${label}${i % 4}_${i}.png`),
        fishPhoto(label, i),
      );
    }
  }
  let lock = emptyLock();
  ({ lock } = await trainInto(dir, lock, "co2-forecast"));
  ({ lock } = await trainInto(dir, lock, "btc-signal"));
  ({ lock } = await trainInto(
    dir,
    lock,
    "fish-classifier",
    {
      backbone: null,
      group: "fish_(\\d+)_",
      cnnEpochs: 30,
      cnnLearningRate: 0.003,
      cnnFilters: [8, 16],
      imageSize: 32,
    },
    "file://photos",
  ));
  return { dir, lock };
}
