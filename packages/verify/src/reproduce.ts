import { createHash } from "node:crypto";
import type { Pin } from "@lockstep/lockfile";
import { getModel, trainModel, type ModelSpec, type TrainedModel } from "@lockstep/models";
import { firstModelDifference, type ModelCard } from "@lockstep/onnx";
import { resolvePinnedData, type ResolvedData } from "@lockstep/data";
import { openStore, parseArtifactUri, type OpenStoreOptions } from "@lockstep/store";
import { recordRerun } from "./run-record.js";

/**
 * The default tolerance of a re-run evaluation: each metric within 1% of the pinned value (relative),
 * or within 1e-6 (metrics are rounded to 6 decimals). Training is seeded and deterministic on one
 * machine (two runs give identical metrics); the margin absorbs another CPU or tfjs backend.
 */
export const DEFAULT_REPRODUCE_TOLERANCE = 0.01;
const ABSOLUTE_FLOOR = 1e-6;

export interface ReproduceOptions {
  /** Relative tolerance per metric (default DEFAULT_REPRODUCE_TOLERANCE). */
  tolerance?: number;
  /** Evaluation data to read instead of the pin's dataset, by model (a mirror of the same data). */
  data?: Record<string, string>;
  /** Directory relative data paths resolve against (default the working directory). */
  baseDir?: string;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /**
   * The pins come from a pull request (its head, read as data): a dataset it names as a local
   * path (file:// or no scheme) is not read, so a pull request cannot make the verifier read files
   * of its runner; give a mirror in `data` instead.
   */
  untrustedPins?: boolean;
  /** How the pin's store is opened (its data snapshot lives beside its artifact). */
  storeOptions?: OpenStoreOptions;
}

/** A data URI that names the local filesystem (file://, or a plain path). */
export const isLocalData = (uri: string) => uri.startsWith("file:") || !/^[a-z][a-z0-9+.-]*:/i.test(uri);

/** The dataset a re-run reads, or why it will not read the pin's. */
export function evaluationData(
  model: string,
  pin: Pin,
  options: Pick<ReproduceOptions, "data" | "untrustedPins">,
): { dataset?: string; refused?: string; snapshotOnly?: boolean } {
  const mirror = options.data?.[model];
  if (mirror) return { dataset: mirror };
  const dataset = pin.evaluation.dataset;
  // the snapshot in the store stands in for a local path a pull request may not make the verifier read
  if (dataset && options.untrustedPins && isLocalData(dataset) && pin.evaluation.dataSnapshot)
    return { dataset, snapshotOnly: true };
  if (dataset && options.untrustedPins && isLocalData(dataset))
    return {
      refused: `the pin's dataset ${JSON.stringify(dataset.slice(0, 200))} is a local path, which a pull request's pin may not make the verifier read: give a mirror (${model}=<uri>)`,
    };
  return { dataset };
}

export interface Reproduction {
  ok: boolean;
  detail: string;
  /** The re-computed metrics, when training ran. */
  metrics?: Record<string, number>;
}

/** The params training was asked for: the card's, less keys the model does not take (older cards mixed in what training chose). */
export function trainingParams(spec: ModelSpec, card: ModelCard): unknown {
  const recorded = card.params ?? {};
  const keys = Object.keys(spec.defaultParams as Record<string, unknown>);
  return Object.fromEntries(keys.filter((k) => Object.hasOwn(recorded, k)).map((k) => [k, recorded[k]]));
}

export function withinTolerance(pinned: number, reproduced: number, tolerance: number): boolean {
  return Math.abs(pinned - reproduced) <= Math.max(ABSOLUTE_FLOOR, tolerance * Math.abs(pinned));
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/**
 * The pin's data, or its snapshot when the data changed or is gone (see resolvePinnedData); the
 * source as it is when the pin names no snapshot.
 */
export async function pinnedData(
  pin: Pin,
  dataset: string,
  options: Pick<ReproduceOptions, "baseDir" | "env" | "storeOptions"> & { snapshotOnly?: boolean },
): Promise<ResolvedData> {
  const ref = pin.evaluation.dataSnapshot;
  if (!ref) return { dispose: async () => {} };
  const store = openStore(parseArtifactUri(pin.uri).storeUri, {
    baseDir: options.baseDir,
    env: options.env,
    ...options.storeOptions,
  });
  return resolvePinnedData(store, dataset, ref, {
    baseDir: options.baseDir,
    env: options.env,
    readSource: !options.snapshotOnly,
  });
}

/**
 * Re-runs the recorded evaluation: trains the model again with the params and seed in its card on
 * the pinned dataset, requires the same data fingerprint and protocol, every pinned metric within
 * the tolerance, and the rebuilt bytes equal to the pinned artifact (training is deterministic:
 * a copied card on other bytes is caught here, with the first part that differs named). The evaluations re-fit models (backtests, walk-forward, cross-validation),
 * so re-running them means training; the cost is the training budget the pin was made with.
 */
export async function reproduceEvaluation(
  model: string,
  pin: Pin,
  card: ModelCard,
  options: ReproduceOptions = {},
  pinnedBytes?: Uint8Array,
): Promise<Reproduction> {
  const tolerance = options.tolerance ?? DEFAULT_REPRODUCE_TOLERANCE;
  const log = options.log ?? (() => {});
  const spec = getModel(model);
  let params: { seed: number };
  try {
    params = spec.parseParams(trainingParams(spec, card));
  } catch (error) {
    return { ok: false, detail: `the card's params cannot be used again: ${(error as Error).message}` };
  }
  const { dataset, refused, snapshotOnly } = evaluationData(model, pin, options);
  if (refused) return { ok: false, detail: refused };
  if (!dataset)
    return {
      ok: false,
      detail: `the pin does not name its evaluation data; give it as a data override (${model}=<uri>)`,
    };
  const context = { log: (line: string) => log(`  ${line}`), baseDir: options.baseDir, env: options.env };
  let source: ResolvedData;
  try {
    source = await pinnedData(pin, dataset, { ...options, snapshotOnly });
  } catch (error) {
    return { ok: false, detail: `cannot read the evaluation data ${dataset}: ${(error as Error).message}` };
  }
  // said in the log and in the check's detail: the re-run read the snapshot, not the source
  const from = source.note ? `from the data snapshot (${source.note}); ` : "";
  if (source.note) log(`  ${source.note}`);
  let trained: TrainedModel;
  const started = Date.now();
  try {
    let data: unknown;
    try {
      data = await spec.loadData(dataset, { ...context, dataPath: source.dataPath });
    } catch (error) {
      return {
        ok: false,
        detail: `${from}cannot read the evaluation data ${dataset}: ${(error as Error).message}`,
      };
    }
    log(`re-running the evaluation of ${model} on ${dataset} (${pin.evaluation.protocol})`);
    try {
      trained = await trainModel(spec, data, params, context);
    } catch (error) {
      return {
        ok: false,
        detail: `${from}training with the recorded params failed: ${(error as Error).message}`,
      };
    }
  } finally {
    await source.dispose();
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  await recordRerun(spec, pin, trained, Number(seconds), { ...options, snapshot: source.snapshot });
  if (trained.evaluation.datasetSha256 !== pin.evaluation.datasetSha256) {
    return {
      ok: false,
      detail: `${from}the evaluation data differ: ${dataset} has fingerprint ${trained.evaluation.datasetSha256.slice(0, 12)}, the pin was evaluated on ${pin.evaluation.datasetSha256.slice(0, 12)}`,
    };
  }
  if (trained.evaluation.protocol !== pin.evaluation.protocol) {
    return {
      ok: false,
      detail: `${from}the protocol differs: re-run "${trained.evaluation.protocol}", pinned "${pin.evaluation.protocol}"`,
    };
  }
  const off = Object.entries(pin.metrics).flatMap(([name, pinned]) => {
    const again = trained.metrics[name];
    if (again === undefined) return [`${name}: not computed by the re-run`];
    return withinTolerance(pinned, again, tolerance) ? [] : [`${name}: pinned ${pinned}, re-run ${again}`];
  });
  // per-fold values decide paired gates: each must be what the evaluation measures
  for (const [name, pinned] of Object.entries(pin.evaluation.folds ?? {})) {
    const again = trained.evaluation.folds?.[name];
    if (!again || again.length !== pinned.length)
      off.push(`folds of ${name}: not computed the same by the re-run`);
    else {
      const fold = pinned.findIndex((value, i) => !withinTolerance(value, again[i]!, tolerance));
      if (fold >= 0) off.push(`${name} on fold ${fold + 1}: pinned ${pinned[fold]}, re-run ${again[fold]}`);
    }
  }
  const bound = `${tolerance * 100}% relative`;
  if (off.length > 0)
    return {
      ok: false,
      detail: `${from}outside ${bound}: ${off.join("; ")}`,
      metrics: trained.metrics,
    };
  const worst = Object.entries(pin.metrics).reduce((max, [name, pinned]) => {
    const diff = Math.abs(pinned - trained.metrics[name]!) / Math.max(Math.abs(pinned), ABSOLUTE_FLOOR);
    return Math.max(max, diff);
  }, 0);
  const recomputed = `${from}${Object.keys(pin.metrics).length} metrics re-computed in ${seconds} s, within ${bound} (largest difference ${worst === 0 ? "0" : (worst * 100).toPrecision(2)}%)`;
  const rebuilt = sha256(trained.onnx);
  if (rebuilt !== pin.sha256) {
    const part = pinnedBytes ? firstModelDifference(pinnedBytes, trained.onnx) : undefined;
    return {
      ok: false,
      detail: `${recomputed}, but the rebuilt artifact is not the pinned one: sha256 ${rebuilt.slice(0, 12)}, pinned ${pin.sha256.slice(0, 12)}${part ? `; first difference: ${part}` : ""}`,
      metrics: trained.metrics,
    };
  }
  return {
    ok: true,
    detail: `${recomputed}; the rebuilt artifact is byte-identical`,
    metrics: trained.metrics,
  };
}
