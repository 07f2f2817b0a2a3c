import {
  applyPinGate,
  nextVersion,
  type PairedVerdict,
  type LockFile,
  type Pin,
  type PinSource,
} from "@lockstep/lockfile";
import { openStore, type ArtifactInfo, type OpenStoreOptions } from "@lockstep/store";
import {
  resolvePinnedData,
  snapshotBytes,
  snapshotData,
  snapshotRef,
  type DataSnapshot,
} from "@lockstep/data";
import { ModelError } from "./errors.js";
import { getModel } from "./registry.js";
import type { ModelSpec, TrainContext, TrainedModel } from "./spec.js";
import { trainModel } from "./train-model.js";

export interface TrainCandidateOptions {
  model: string;
  /** Data URI; the model's default source when absent. */
  data?: string;
  /** Params (already parsed JSON) merged over the model's defaults. */
  params?: unknown;
  /** Artifact store URI (default file://.lockstep/store). */
  store?: string;
  storeOptions?: OpenStoreOptions;
  /** The current lock: gives the candidate its version and the pin it is gated against. */
  lock?: LockFile;
  environment?: string;
  source?: PinSource;
  context: TrainContext;
  /** Injected clock for trainedAt (tests). */
  now?: () => Date;
  /** Store the data read under data/sha256/ (up to the cap) and name it in the pin; off when absent. */
  snapshot?: { capBytes: number } | false;
  /** The snapshot a pin names (`sha256:<hex>`): read it instead of the data when the data changed or is gone. */
  dataSnapshot?: string;
}

export interface Candidate {
  spec: ModelSpec;
  trained: TrainedModel;
  artifact: ArtifactInfo;
  /** The pin this candidate would get. */
  pin: Pin;
  /** The gate applied against the current pin for the environment. */
  verdict: PairedVerdict;
  /** The data snapshot taken or read (or why none was taken); absent when snapshots were off. */
  snapshot?: DataSnapshot;
  /** Why the pinned snapshot was read instead of the data (it changed or is gone); absent when it was not. */
  dataNote?: string;
}

/** The user's params over the default data's own params, when the data is the default. */
export function paramsFor(spec: ModelSpec, dataUri: string, params: unknown): unknown {
  const own = spec.defaultDataParams;
  if (!own || dataUri !== spec.defaultData) return params;
  if (params === undefined || params === null) return own;
  return typeof params === "object" && !Array.isArray(params) ? { ...own, ...params } : params;
}

/** Train → export + parity (inside train) → store.put → candidate pin and gate verdict. */
export async function trainCandidate(options: TrainCandidateOptions): Promise<Candidate> {
  const { context } = options;
  const spec = getModel(options.model);
  const dataUri = options.data ?? spec.defaultData;
  const params = spec.parseParams(paramsFor(spec, dataUri, options.params));
  context.phase?.("load data");
  context.log(`${spec.name}: loading data from ${dataUri}`);
  const store = openStore(options.store, { baseDir: context.baseDir, ...options.storeOptions });
  const io = { baseDir: context.baseDir, env: context.env, log: context.log };
  // a pinned snapshot stands in for data that changed or is gone (and the log says so)
  const pinned = options.dataSnapshot
    ? await resolvePinnedData(store, dataUri, options.dataSnapshot, io)
    : undefined;
  if (pinned?.note) context.log(`${spec.name}: ${pinned.note}`);
  let trained: TrainedModel;
  let snapshot: DataSnapshot | undefined;
  try {
    const data = await spec
      .loadData(dataUri, { ...context, dataPath: pinned?.dataPath })
      .catch((error: unknown) => {
        // data that is not there is bad input (exit 2), as malformed data is
        if ((error as { code?: string }).code === "STORE_NOT_FOUND")
          throw new ModelError("DATA_INVALID", (error as Error).message);
        throw error;
      });
    if (pinned?.snapshot) snapshot = pinned.snapshot;
    else if (options.snapshot) {
      const capBytes = options.snapshot.capBytes;
      const own = spec.snapshotOf?.(data, dataUri); // an API's answer, as the model serialises it
      snapshot = own
        ? await snapshotBytes(store, own, dataUri, { capBytes, log: context.log })
        : await snapshotData(store, dataUri, { ...io, capBytes });
      if ("skipped" in snapshot) context.log(`${spec.name}: no data snapshot: ${snapshot.skipped}`);
    }
    const started = Date.now();
    trained = await trainModel(spec, data, params, context);
    context.log(`${spec.name}: trained in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await pinned?.dispose();
  }
  context.phase?.("store");
  const artifact = await store.put(trained.onnx);
  context.log(`${spec.name}: stored ${artifact.bytes} bytes at ${artifact.uri}`);
  const environment = options.environment ?? "staging";
  const current = options.lock?.models[spec.name];
  const pin: Pin = {
    version: options.lock ? nextVersion(options.lock, spec.name, artifact.sha256) : "1",
    sha256: artifact.sha256,
    bytes: artifact.bytes,
    uri: artifact.uri,
    metrics: trained.metrics,
    evaluation: {
      ...trained.evaluation,
      ...(snapshot && !("skipped" in snapshot)
        ? { dataSnapshot: snapshotRef(snapshot.sha256) }
        : options.dataSnapshot
          ? { dataSnapshot: options.dataSnapshot } // the source still holds the pinned snapshot's bytes
          : {}),
    },
    trainedAt: (options.now?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, "Z"),
    source: options.source ?? {},
  };
  const verdict = applyPinGate(current?.gate ?? spec.gate, pin, current?.pins[environment]);
  return {
    spec,
    trained,
    artifact,
    pin,
    verdict,
    ...(snapshot ? { snapshot } : {}),
    ...(pinned?.note ? { dataNote: pinned.note } : {}),
  };
}
