import { access } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  BASE_SETTINGS,
  DEPLOY_CONFIG_NAME,
  readDeployConfig,
  resolveSettings,
  type CanaryAnalysis,
} from "@lockstep/deploy";
import type { LockFile, Pin } from "@lockstep/lockfile";
import { getModel, loadPinnedArtifact, type ModelSpec } from "@lockstep/models";
import { fetchArtifact, type OpenStoreOptions } from "@lockstep/store";
import { readCard } from "@lockstep/onnx";
import { loadCandidate, type ReplayArtifact } from "./candidate.js";
import { ReplayError } from "./errors.js";
import { replay, type ReplayReport } from "./replay.js";
import { readSample } from "./sample-source.js";

export interface ReplayPinOptions {
  model: string;
  environment: string;
  /** The lock whose pin is replayed; `pin` names one directly instead (a proposal's base pin). */
  lock?: LockFile;
  pin?: Pin;
  lockPath: string;
  /** The candidate: a file or a sha256 (`candidate`), or a pin already named (a trained candidate's). */
  candidate: string | Pin;
  /** The store a candidate given by sha256 is fetched from. */
  storeUri: string;
  /** Where the sample is: a JSON Lines folder or file, ClickHouse, or an exported sample in a store. */
  sampleUri: string;
  /** Requests at or after this time (ms since the epoch). */
  since?: number;
  limit?: number;
  /** The deployment config whose canary settings are predicted (default lockstep.deploy.json beside the lock). */
  deployConfigPath?: string;
  env?: NodeJS.ProcessEnv;
  progress?: (message: string) => void;
}

/** The canary settings of the model in the environment: lockstep.deploy.json's, else the defaults with the spec's p99. */
export async function canaryAnalysis(
  spec: ModelSpec,
  environment: string,
  configPath: string,
): Promise<CanaryAnalysis> {
  const exists = await access(configPath).then(
    () => true,
    () => false,
  );
  if (!exists) {
    const p99Seconds =
      spec.serving.settings.deployment?.p99Seconds ?? BASE_SETTINGS.canary.analysis.p99Seconds;
    return { ...BASE_SETTINGS.canary.analysis, p99Seconds };
  }
  return resolveSettings(await readDeployConfig(configPath), spec, environment).canary.analysis;
}

/** A pin-shaped candidate (a trained candidate's), fetched and verified by its sha256 and size. */
async function candidateFromPin(model: string, pin: Pin, options: OpenStoreOptions): Promise<ReplayArtifact> {
  const bytes = await fetchArtifact(pin.uri, pin.sha256, { ...options, maxBytes: pin.bytes });
  const card = readCard(bytes);
  if (card.name !== model)
    throw new ReplayError("CANDIDATE_MISMATCH", `${pin.uri}'s card names "${card.name}", not "${model}"`);
  return { bytes, card, sha256: pin.sha256, source: pin.uri };
}

/**
 * Replays the sample of the environment's pin against a candidate: the pin read as the server
 * reads it (verified, its card naming the model), the candidate verified by its sha256, the
 * canary settings from the deployment config. A model with no pin there has nothing to compare.
 */
export async function replayAgainstPin(options: ReplayPinOptions): Promise<ReplayReport> {
  const spec = getModel(options.model);
  const pin = options.pin ?? options.lock?.models[options.model]?.pins[options.environment];
  if (!pin)
    throw new ReplayError(
      "REPLAY_EMPTY",
      `${options.model} has no pin in "${options.environment}": there is nothing to replay against`,
    );
  const baseDir = dirname(options.lockPath);
  const storeOptions = { baseDir, env: options.env };
  const candidate =
    typeof options.candidate === "string"
      ? await loadCandidate(options.model, options.candidate, { ...storeOptions, storeUri: options.storeUri })
      : await candidateFromPin(options.model, options.candidate, storeOptions);
  const pinned = await loadPinnedArtifact(options.model, pin, storeOptions);
  const analysis = await canaryAnalysis(
    spec,
    options.environment,
    options.deployConfigPath ?? join(baseDir, DEPLOY_CONFIG_NAME),
  );
  options.progress?.(`${options.model}: reading the replay sample at ${options.sampleUri}`);
  const read = await readSample(
    options.sampleUri,
    { model: options.model, sha256: pin.sha256, since: options.since },
    storeOptions,
  );
  return replay({
    spec,
    environment: options.environment,
    sampleUri: options.sampleUri,
    read,
    pin: { ...pinned, sha256: pin.sha256, source: pin.uri, version: pin.version },
    candidate,
    analysis,
    limit: options.limit,
    progress: options.progress,
  });
}
