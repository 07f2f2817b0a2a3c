import type { Pin } from "@lockstep/lockfile";
import { trainCandidate } from "@lockstep/models";
import { parseArtifactUri, type OpenStoreOptions } from "@lockstep/store";
import {
  DEFAULT_REPRODUCE_TOLERANCE,
  evaluationData,
  withinTolerance,
  type ReproduceOptions,
} from "./reproduce.js";
import { recordRerun } from "./run-record.js";

export interface Rebuild {
  ok: boolean;
  detail: string;
}

/**
 * A pinned artifact absent from its store is trained again on the pin's dataset with the model's
 * default params and seed, and stored; it counts only when it comes out byte for byte the pin
 * (training is deterministic), so the checks that follow read exactly the pinned bytes.
 */
export async function rebuildArtifact(
  model: string,
  pin: Pin,
  options: ReproduceOptions & { storeOptions?: OpenStoreOptions },
): Promise<Rebuild> {
  const log = options.log ?? (() => {});
  const { dataset: data, refused, snapshotOnly } = evaluationData(model, pin, options);
  if (refused) return { ok: false, detail: `not in the store, and not rebuilt: ${refused}` };
  if (snapshotOnly)
    return {
      ok: false,
      detail: `not in the store, and not rebuilt: the pin's dataset is a local path a pull request names; reproduce the pin on its own branch or give a mirror (${model}=<uri>)`,
    };
  log(`  ${model} v${pin.version} is not in its store: rebuilding it from ${data ?? "its default data"}`);
  const started = Date.now();
  let candidate: Awaited<ReturnType<typeof trainCandidate>>;
  try {
    candidate = await trainCandidate({
      model,
      data,
      dataSnapshot: pin.evaluation.dataSnapshot,
      store: parseArtifactUri(pin.uri).storeUri,
      storeOptions: options.storeOptions,
      context: { log: (line) => log(`  ${line}`), baseDir: options.baseDir, env: options.env },
    });
  } catch (error) {
    return { ok: false, detail: `not in the store, and rebuilding it failed: ${(error as Error).message}` };
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  await recordRerun(candidate.spec, pin, candidate.trained, Number(seconds), {
    ...options,
    snapshot: candidate.snapshot,
    storedUri: candidate.artifact.uri,
  });
  const from = candidate.dataNote ? `; ${candidate.dataNote}` : "";
  if (candidate.pin.sha256 !== pin.sha256) {
    return {
      ok: false,
      detail: `not in the store${from}; rebuilding it with the default params gave sha256 ${candidate.pin.sha256.slice(0, 12)}, not the pinned ${pin.sha256.slice(0, 12)} (different code, data or params): restore the artifact or pin the rebuild`,
    };
  }
  const tolerance = options.tolerance ?? DEFAULT_REPRODUCE_TOLERANCE;
  const off = Object.entries(pin.metrics).filter(
    ([name, value]) => !withinTolerance(value, candidate.pin.metrics[name] ?? Number.NaN, tolerance),
  );
  if (off.length > 0)
    return {
      ok: false,
      detail: `rebuilt byte for byte${from}, but metrics differ: ${off.map(([n]) => n).join(", ")}`,
    };
  return {
    ok: true,
    detail: `not in the store: rebuilt in ${seconds} s from ${candidate.dataNote ? "its data snapshot" : "its default data"} and params, byte-identical, stored at ${candidate.artifact.uri}${from}`,
  };
}
