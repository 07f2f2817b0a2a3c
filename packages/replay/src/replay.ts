import type { CanaryAnalysis } from "@lockstep/deploy";
import { batchPredict, type BatchRow, type ServableSpec } from "@lockstep/models";
import type { ReplayRead } from "@lockstep/monitor";
import type { ReplayArtifact } from "./candidate.js";
import { predictCanary, type CanaryPrediction } from "./canary-prediction.js";
import {
  changedMost,
  compareClasses,
  compareValues,
  type ChangedRequest,
  type ClassComparison,
  type ReplayPair,
  type ValueComparison,
} from "./compare.js";
import { ReplayError } from "./errors.js";
import { quantile } from "./replay-stats.js";

/** Where an artifact came from and how fast it answered the sample. */
export interface ReplaySide {
  version?: string;
  sha256: string;
  source: string;
  answered: number;
  refused: number;
  latencyMs: { p50: number; p99: number; mean: number };
}

/** What `lockstep replay` found (its --json output, and the pull request's replay section). */
export interface ReplayReport {
  model: string;
  environment: string;
  sample: {
    uri: string;
    /** Requests replayed (after the limit). */
    requests: number;
    /** What was skipped, and why. */
    skipped: { invalid: number; oversized: number; otherModel: number; otherArtifact: number; older: number };
  };
  pin: ReplaySide;
  candidate: ReplaySide;
  comparison?: ClassComparison | ValueComparison;
  canary: CanaryPrediction;
  changedMost: ChangedRequest[];
  /** The canary settings the prediction used (lockstep.deploy.json for the environment). */
  analysis: CanaryAnalysis;
}

export interface ReplayInput {
  spec: ServableSpec;
  environment: string;
  sampleUri: string;
  read: ReplayRead;
  pin: ReplayArtifact & { version: string };
  candidate: ReplayArtifact;
  analysis: CanaryAnalysis;
  /** Requests replayed at most (the newest are kept). */
  limit?: number;
  progress?: (message: string) => void;
}

function side(
  artifact: ReplayArtifact & { version?: string },
  pairs: ReplayPair[],
  key: "pin" | "candidate",
): ReplaySide {
  const latencies = pairs.flatMap((p) => (p[key] ? [p[key].latencyMs] : [])).sort((a, b) => a - b);
  return {
    ...(artifact.version ? { version: artifact.version } : {}),
    sha256: artifact.sha256,
    source: artifact.source,
    answered: latencies.length,
    refused: pairs.length - latencies.length,
    latencyMs: {
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      mean: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
    },
  };
}

/**
 * Runs the sampled requests through the pin and the candidate by the server's path (the request
 * schema, decode, onnxruntime, encode: batchPredict), and compares them: agreement and flips for
 * classifiers, the relative change per horizon for forecasts, the canary's measurements with their
 * thresholds, latency, and the requests that changed most. An empty sample is a ReplayError.
 */
export async function replay(input: ReplayInput): Promise<ReplayReport> {
  const { spec, read } = input;
  const requests = input.limit !== undefined ? read.requests.slice(-input.limit) : read.requests;
  if (requests.length === 0)
    throw new ReplayError(
      "REPLAY_EMPTY",
      `${input.sampleUri} holds no sampled request of ${spec.name} answered by its pin sha256:${input.pin.sha256.slice(0, 12)}… ` +
        `(skipped: ${read.invalid} invalid, ${read.oversized} oversized, ${read.otherModel} of other models, ${read.otherArtifact} of other artifacts, ${read.older} older)`,
    );
  const rows: BatchRow[] = requests.map((r, i) => ({ id: String(i), time: r.time, request: r.request }));
  const run = async (artifact: ReplayArtifact, name: string) => {
    input.progress?.(`${name}: ${requests.length} requests through sha256:${artifact.sha256.slice(0, 12)}…`);
    return batchPredict(spec.serving, artifact.card, artifact.bytes, rows, { every: 1000 });
  };
  const pinOut = await run(input.pin, "pin");
  const candidateOut = await run(input.candidate, "candidate");
  const byId = <T extends { id: string }>(list: T[]) => new Map(list.map((p) => [p.id, p]));
  const pinAnswers = byId(pinOut.predictions);
  const candidateAnswers = byId(candidateOut.predictions);
  const pairs: ReplayPair[] = requests.map((r, i) => ({
    requestId: r.requestId,
    time: r.time,
    pin: pinAnswers.get(String(i)),
    candidate: candidateAnswers.get(String(i)),
  }));
  const observe = spec.serving.observe;
  const comparison = observe?.classes
    ? compareClasses(pairs, observe.classes)
    : observe?.values
      ? compareValues(pairs, observe.values)
      : undefined;
  return {
    model: spec.name,
    environment: input.environment,
    sample: {
      uri: input.sampleUri,
      requests: requests.length,
      skipped: {
        invalid: read.invalid,
        oversized: read.oversized,
        otherModel: read.otherModel,
        otherArtifact: read.otherArtifact,
        older: read.older,
      },
    },
    pin: side(input.pin, pairs, "pin"),
    candidate: side(input.candidate, pairs, "candidate"),
    ...(comparison ? { comparison } : {}),
    canary: predictCanary(pairs, comparison, observe, input.analysis),
    changedMost: changedMost(pairs),
    analysis: input.analysis,
  };
}
