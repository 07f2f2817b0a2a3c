import type { LockFile } from "@lockstep/lockfile";
import { openStore, parseArtifactUri } from "@lockstep/store";

/**
 * The order `npm start` brings models up in: the quickest to rebuild first, so the server answers
 * while the slower ones train. One at a time: each training already uses both cores (fish's
 * onnxruntime, btc's GBDT helper thread, co2's LSTM threads), so overlapping them buys little and
 * delays the first answer (figures in bench/RESULTS.md).
 */
export const START_ORDER = ["fish-classifier", "btc-signal", "co2-forecast"] as const;

/**
 * What each model needs before it can serve: `present` (the pinned artifact is in the store),
 * `missing` (pinned, but the artifact must be rebuilt) or `unpinned` (train it and pin it).
 */
export type StartState = "present" | "missing" | "unpinned";

export interface StartStep {
  model: string;
  state: StartState;
  version?: string;
  sha256?: string;
  /** The pin's data and its snapshot: a rebuild reads the snapshot when the data changed or is gone. */
  dataset?: string;
  dataSnapshot?: string;
}

/** The models to start, in START_ORDER, then any other pinned model in the lock's order. */
export async function planStart(lock: LockFile, environment: string, baseDir: string): Promise<StartStep[]> {
  const names = [
    ...START_ORDER,
    ...Object.keys(lock.models).filter((m) => !START_ORDER.includes(m as never)),
  ];
  const steps: StartStep[] = [];
  for (const model of names) {
    const pin = lock.models[model]?.pins[environment];
    if (!pin) {
      // a model outside the built-in three is only served when pinned
      if (START_ORDER.includes(model as never)) steps.push({ model, state: "unpinned" });
      continue;
    }
    const { storeUri } = parseArtifactUri(pin.uri);
    const present = await openStore(storeUri, { baseDir }).has(pin.sha256);
    steps.push({
      model,
      state: present ? "present" : "missing",
      version: pin.version,
      sha256: pin.sha256,
      ...(pin.evaluation.dataSnapshot
        ? { dataset: pin.evaluation.dataset, dataSnapshot: pin.evaluation.dataSnapshot }
        : {}),
    });
  }
  return steps;
}

/** One line per step for the start banner. */
export function describeStep(step: StartStep): string {
  const id = step.sha256 ? `v${step.version} (sha256 ${step.sha256.slice(0, 12)})` : "";
  switch (step.state) {
    case "present":
      return `${step.model} ${id}: in the store, loading it`;
    case "missing":
      return step.dataSnapshot
        ? `${step.model} ${id}: not in the store yet, rebuilding it from its data (its snapshot ${step.dataSnapshot.slice(0, 19)} if the data changed)`
        : `${step.model} ${id}: not in the store yet, rebuilding it from its default data`;
    case "unpinned":
      return `${step.model}: not pinned, training it and pinning the result`;
  }
}
