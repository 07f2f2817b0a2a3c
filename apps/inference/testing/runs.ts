import type { LockFile } from "@lockstep/lockfile";
import { writeRun, type RunInput } from "@lockstep/runs";
import { openStore, parseArtifactUri } from "@lockstep/store";

/**
 * Writes a model's runs beside its staging pin's artifact, as training does: the pinned run (the
 * pin's own artifact and metrics, a day before) and a later one whose gate metric is worse by
 * `worse` and lost its gate, and one malformed record. Returns the two runs' ids.
 */
export async function writeModelRuns(
  dir: string,
  lock: LockFile,
  model: string,
  worse: number,
): Promise<{ pinned: string; lost: string }> {
  const { gate, pins } = lock.models[model]!;
  const pin = pins.staging!;
  const store = openStore(parseArtifactUri(pin.uri).storeUri, { baseDir: dir });
  const value = pin.metrics[gate.metric]!;
  const input = (metrics: Record<string, number>, sha256: string, better: boolean): RunInput => ({
    model,
    kind: "train",
    environment: "staging",
    params: { asked: { seed: better ? 7 : 11 } },
    metrics,
    data: { uri: pin.evaluation.dataset ?? "default", sha256: pin.evaluation.datasetSha256 },
    source: { runner: "local (test)" },
    artifact: { sha256, bytes: pin.bytes, uri: pin.uri },
    gate: { metric: gate.metric, goal: gate.goal, better, reason: better ? "first pin" : "not better" },
    report: `# ${model} (${better ? "pinned" : "lost"})\n\n${gate.metric} ${metrics[gate.metric]}\n`,
  });
  const worseValue = gate.goal === "minimize" ? value + worse : value - worse;
  const pinned = await writeRun(store, input(pin.metrics, pin.sha256, true), {
    now: new Date(Date.parse(pin.trainedAt) - 86_400_000),
  });
  const lost = await writeRun(
    store,
    input({ ...pin.metrics, [gate.metric]: worseValue }, "f".repeat(64), false),
    {
      now: new Date(Date.parse(pin.trainedAt) + 3_600_000),
    },
  );
  // a record that is not one: the listing skips it and says so
  await store.putNamed(`runs/${model}/20200101T000000000Z-abcdef.json`, "{not json", "application/json");
  return { pinned: pinned.id, lost: lost.id };
}
