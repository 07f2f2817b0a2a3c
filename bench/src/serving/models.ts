import { copyFile, mkdir, stat, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { bumpPin, emptyLock, readLock, writeLock, type LockFile } from "@lockstep/lockfile";
import { getModel, trainCandidate } from "@lockstep/models";
import { fetchArtifact } from "@lockstep/store";

export interface BenchModels {
  dir: string;
  lockPath: string;
  lock: LockFile;
  models: string[];
}

const REPO = resolve(import.meta.dirname, "../../..");
const SHARED = resolve(REPO, "../shared");

/** Full-size models to serve, trained once into bench/.work/serving and reused on later runs. */
export async function benchModels(log: (line: string) => void, only?: string[]): Promise<BenchModels> {
  const dir = join(REPO, "bench/.work/serving");
  const lockPath = join(dir, "models.lock.json");
  await mkdir(dir, { recursive: true });
  let lock = existsSync(lockPath) ? await readLock(lockPath) : emptyLock();
  const backbone = join(SHARED, "models/mobilenetv2-12-int8.onnx");
  const wanted: { model: string; data?: string; params?: Record<string, unknown> }[] = [
    { model: "co2-forecast" },
    {
      model: "btc-signal",
      data: existsSync(join(SHARED, "data/btcusdt_4h.json"))
        ? `file://${join(SHARED, "data/btcusdt_4h.json")}`
        : undefined,
    },
  ];
  if (existsSync(backbone)) {
    wanted.push({
      model: "fish-classifier",
      data: `file://${join(SHARED, "data/fish4knowledge")}`,
      // the real backbone serves the same whatever the head's budget: 2 folds keep training short
      params: { backbone: `file://${backbone}`, group: "fish_(\\d+)_", folds: 2 },
    });
  } else {
    log(`fish-classifier skipped: ${backbone} is absent (the target is about a real backbone)`);
  }
  for (const { model, data, params } of wanted) {
    if (lock.models[model]?.pins.staging || (only && !only.includes(model))) continue;
    if (model === "co2-forecast" && (await reuseRepoPin(dir, lock))) {
      lock = await readLock(lockPath);
      log("co2-forecast: reusing the artifact pinned in the repository's models.lock.json");
      continue;
    }
    log(`${model}: training the serving model once (cached in bench/.work/serving) ...`);
    const started = performance.now();
    const candidate = await trainCandidate({
      model,
      data,
      params,
      lock,
      environment: "staging",
      context: { log: (line) => log(`  ${model}: ${line}`), baseDir: dir },
    });
    lock = bumpPin(lock, model, "staging", candidate.pin, getModel(model).gate);
    await writeLock(lockPath, lock);
    log(`${model}: trained in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  return {
    dir,
    lockPath,
    lock,
    models: Object.keys(lock.models).filter(
      (m) => wanted.some((w) => w.model === m) && (!only || only.includes(m)),
    ),
  };
}

/** Copies the repository's pinned co2 artifact when `npm start` has already built it. */
async function reuseRepoPin(dir: string, lock: LockFile): Promise<boolean> {
  const repoLock = await readLock(join(REPO, "models.lock.json"));
  const pin = repoLock.models["co2-forecast"]?.pins.staging;
  if (!pin) return false;
  const source = join(REPO, ".lockstep/store/sha256", pin.sha256);
  if (!existsSync(source) || (await stat(source)).size !== pin.bytes) return false;
  await mkdir(join(dir, ".lockstep/store/sha256"), { recursive: true });
  await copyFile(source, join(dir, ".lockstep/store/sha256", pin.sha256));
  const next = bumpPin(lock, "co2-forecast", "staging", pin, repoLock.models["co2-forecast"]!.gate);
  await writeLock(join(dir, "models.lock.json"), next);
  return true;
}

/** Each served model's artifact, read and verified once through the store. */
export async function artifacts(
  dir: string,
  lock: LockFile,
  models: string[],
): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const model of models) {
    const pin = lock.models[model]!.pins.staging!;
    out.set(model, await fetchArtifact(pin.uri, pin.sha256, { baseDir: dir }));
  }
  return out;
}

export async function writeFileIn(dir: string, name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}
