import {
  jsonErrorDetail,
  jsonTextDepth,
  lockIssues,
  MAX_LOCK_DEPTH,
  type Gate,
  type Pin,
} from "@lockstep/lockfile";
import { ProposalError } from "./errors.js";

export const CANDIDATE_VERSION = 1 as const;
export const MAX_CANDIDATE_BYTES = 1024 * 1024;

/** Where the training data came from and what it was, as the model card records it. */
export interface DataFingerprint {
  source: string;
  sha256: string;
  rows: number;
}

/**
 * What training leaves for the proposal step (`.lockstep/candidates/<model>.<environment>.json`):
 * the pin the candidate would get, the model's gate, and what a reviewer needs to judge it.
 */
export interface CandidateFile {
  candidateVersion: typeof CANDIDATE_VERSION;
  model: string;
  environment: string;
  pin: Pin;
  gate: Gate;
  params: Record<string, unknown>;
  seed: number;
  data: DataFingerprint;
  /** Wall-clock seconds per training phase. */
  timings?: Record<string, number>;
  trainer: { name: string; version: string };
  /** The headline metrics beside their baselines, one line each ("MAPE 0.100% vs …"). */
  headline?: string[];
}

/** Headline lines a candidate may carry, and the longest line. */
export const MAX_HEADLINE_LINES = 16;
export const MAX_HEADLINE_CHARS = 400;

const invalid = (source: string, message: string): never => {
  throw new ProposalError("CANDIDATE_INVALID", `${source}: ${message}`);
};
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Parses and checks a candidate file; the pin and gate are checked by the lock file's schema. */
export function parseCandidate(text: string, source = "candidate"): CandidateFile {
  if (Buffer.byteLength(text) > MAX_CANDIDATE_BYTES)
    throw new ProposalError("CANDIDATE_TOO_LARGE", `${source} is larger than ${MAX_CANDIDATE_BYTES} bytes`);
  if (jsonTextDepth(text) > MAX_LOCK_DEPTH) invalid(source, `nests deeper than ${MAX_LOCK_DEPTH} levels`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return invalid(source, `not JSON (${jsonErrorDetail(error)})`);
  }
  if (!isObject(doc)) return invalid(source, "must be a JSON object");
  if (doc.candidateVersion !== CANDIDATE_VERSION)
    invalid(
      source,
      `candidateVersion must be ${CANDIDATE_VERSION}, got ${String(JSON.stringify(doc.candidateVersion)).slice(0, 48)}`,
    );
  for (const key of ["model", "environment"] as const)
    if (typeof doc[key] !== "string") invalid(source, `"${key}" must be a string`);
  // the pin and gate must be exactly what the lock would accept
  const issues = lockIssues({
    lockfileVersion: 1,
    models: { [doc.model as string]: { gate: doc.gate, pins: { [doc.environment as string]: doc.pin } } },
  });
  if (issues.length > 0) {
    const where = issues.map(({ pointer, message }) => {
      const at = pointer
        .replace(/^\/models\/[^/]+\/pins\/[^/]+/, "pin")
        .replace(/^\/models\/[^/]+\/gate/, "gate")
        .replace(/^\/models\/[^/]+$/, "model")
        .replace(/^\/models\/[^/]+\/pins$/, "environment");
      return `${at}: ${message}`;
    });
    invalid(source, where.join("; "));
  }
  if (!isObject(doc.params)) invalid(source, `"params" must be an object`);
  if (!Number.isInteger(doc.seed)) invalid(source, `"seed" must be an integer`);
  const data = doc.data;
  if (
    !isObject(data) ||
    typeof data.source !== "string" ||
    typeof data.sha256 !== "string" ||
    !/^[0-9a-f]{64}$/.test(data.sha256) ||
    !Number.isInteger(data.rows) ||
    (data.rows as number) < 0
  )
    invalid(source, `"data" must be {"source", "sha256" (64 hex), "rows"}`);
  if (doc.timings !== undefined) {
    if (!isObject(doc.timings) || !Object.values(doc.timings).every((v) => typeof v === "number" && v >= 0))
      invalid(source, `"timings" must map phases to seconds`);
  }
  const trainer = doc.trainer;
  if (!isObject(trainer) || typeof trainer.name !== "string" || typeof trainer.version !== "string")
    invalid(source, `"trainer" must be {"name", "version"}`);
  if (
    doc.headline !== undefined &&
    (!Array.isArray(doc.headline) ||
      doc.headline.length > MAX_HEADLINE_LINES ||
      !doc.headline.every((line) => typeof line === "string" && line.length <= MAX_HEADLINE_CHARS))
  )
    invalid(
      source,
      `"headline" must be at most ${MAX_HEADLINE_LINES} strings of at most ${MAX_HEADLINE_CHARS} characters`,
    );
  return doc as unknown as CandidateFile;
}
