import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { GitHubClient, UpsertResult } from "@lockstep/github";
import type { Pin } from "@lockstep/lockfile";
import { upsertPullRequest } from "@lockstep/github";
import { parseCandidate, type CandidateFile } from "./candidate.js";
import { ProposalError } from "./errors.js";
import { proposeCandidate, type ProposeOutcome } from "./propose.js";
import { renderPullRequest, type PullRequestDraft } from "./pull-request.js";

const ATTESTATION_URL = /^https:\/\/[^\s]{1,2000}\/attestations\/[0-9]{1,20}$/;

export interface RunProposalOptions {
  dir: string;
  /** The candidate file training wrote. */
  candidatePath: string;
  /** The training report (Markdown) folded into the body when it exists (default: where train writes it). */
  reportPath?: string;
  base?: string;
  /** Push to this remote and open or update the pull request through `github`; undefined = local only. */
  remote?: string;
  github?: GitHubClient;
  runUrl?: string;
  /** The artifact's build-provenance attestation (a GitHub attestation URL): the pin names it. */
  attestation?: string;
  /**
   * The shadow replay of a winning candidate against the current pin (a Markdown section for the
   * body), when a replay sample is configured; its failure is the section's to say, not the proposal's.
   */
  replay?: (candidate: CandidateFile, current: Pin | undefined) => Promise<string | undefined>;
  /**
   * The gate metric over the model's recent runs (a Markdown section with a small SVG), from the
   * store's run records; a failure leaves the section out, never the proposal.
   */
  trend?: (candidate: CandidateFile, current: Pin | undefined) => Promise<string | undefined>;
  /** Refuse a candidate file for another model or environment than the caller asked for. */
  expect?: { model: string; environment: string };
  log?: (line: string) => void;
}

export interface ProposalResult {
  candidate: CandidateFile;
  outcome: ProposeOutcome;
  /** The pull request as it was (or, locally, would be) written; absent when nothing is proposed. */
  draft?: PullRequestDraft;
  pullRequest?: UpsertResult;
}

/**
 * The propose step, shared by the propose-model action and `lockstep propose`: read the candidate,
 * commit it on its branch when it wins, then open or update the one pull request for that branch.
 */
export async function runProposal(options: RunProposalOptions): Promise<ProposalResult> {
  const text = await readFile(options.candidatePath, "utf8").catch((error: NodeJS.ErrnoException) => {
    const what = options.expect
      ? `lockstep train ${options.expect.model} --env ${options.expect.environment}`
      : "lockstep train <model>";
    throw new ProposalError(
      error.code === "ENOENT" ? "CANDIDATE_MISSING" : "CANDIDATE_INVALID",
      error.code === "ENOENT"
        ? `there is no candidate to propose yet (${options.candidatePath} does not exist): train one first (\`${what}\`, or the train action in a workflow), then propose it`
        : `cannot read the candidate file ${options.candidatePath}: ${error.code ?? error.message}`,
    );
  });
  const parsed = parseCandidate(text, options.candidatePath);
  if (options.attestation !== undefined && !ATTESTATION_URL.test(options.attestation))
    throw new ProposalError(
      "CANDIDATE_INVALID",
      `attestation must be a GitHub attestation URL (https://…/attestations/<id>), got ${JSON.stringify(options.attestation.slice(0, 120))}`,
    );
  const candidate: CandidateFile = options.attestation
    ? {
        ...parsed,
        pin: { ...parsed.pin, source: { ...parsed.pin.source, attestation: options.attestation } },
      }
    : parsed;
  const { expect } = options;
  if (expect && (candidate.model !== expect.model || candidate.environment !== expect.environment))
    throw new ProposalError(
      "CANDIDATE_INVALID",
      `${options.candidatePath} is a candidate for ${candidate.model} in ${candidate.environment}, not ${expect.model} in ${expect.environment}`,
    );
  const reportPath = options.reportPath ?? defaultReportPath(options.dir, candidate);
  const report = await readFile(reportPath, "utf8").catch(() => undefined);
  const outcome = await proposeCandidate({
    dir: options.dir,
    candidate,
    base: options.base,
    remote: options.remote,
    log: options.log,
  });
  if (outcome.status === "rejected" || outcome.status === "superseded") return { candidate, outcome };
  const replay = await options.replay?.({ ...candidate, pin: outcome.pin }, outcome.current);
  // a trend that throws at once (a store URI that does not parse) is left out like one that rejects
  const trend = await Promise.resolve()
    .then(() => options.trend?.({ ...candidate, pin: outcome.pin }, outcome.current))
    .catch((error: unknown) => {
      options.log?.(`no recent-runs trend: ${(error as Error).message}`);
      return undefined;
    });
  const draft = renderPullRequest({
    candidate: { ...candidate, pin: outcome.pin },
    current: outcome.current,
    verdict: outcome.verdict,
    runUrl: options.runUrl ?? candidate.pin.source.runUrl,
    report,
    ...(replay ? { replay } : {}),
    ...(trend ? { trend } : {}),
    // a repository without a deployment config renders nothing: no section
    ...(outcome.manifests.length > 0 || outcome.preview
      ? {
          deployment: {
            manifests: outcome.manifests,
            ...(outcome.preview ? { preview: outcome.preview } : {}),
          },
        }
      : {}),
  });
  if (!options.github || !options.remote) return { candidate, outcome, draft };
  const pullRequest = await upsertPullRequest(options.github, draft, options.base ?? "main");
  options.log?.(`pull request #${pullRequest.number} ${pullRequest.action}: ${pullRequest.url}`);
  return { candidate, outcome, draft, pullRequest };
}

/** Where `lockstep train` writes a candidate's report by default. */
export function defaultReportPath(
  dir: string,
  candidate: { model: string; pin: { sha256: string } },
): string {
  return join(dir, ".lockstep", "reports", `${candidate.model}-${candidate.pin.sha256.slice(0, 12)}.md`);
}

/** Where `lockstep train` writes the candidate for a model and environment. */
export function defaultCandidatePath(dir: string, model: string, environment: string): string {
  return join(dir, ".lockstep", "candidates", `${model}.${environment}.json`);
}
