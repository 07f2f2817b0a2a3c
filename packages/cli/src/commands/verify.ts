import { emptyLock, type LockFile } from "@lockstep/lockfile";
import { GitHubClient } from "@lockstep/github";
import {
  verifiedStatements,
  provenanceCheck,
  type ProvenancePolicy,
  type ProvenanceSource,
  parseDataOverrides,
  parseTolerance,
  verificationSummary,
  verificationTable,
  verifyChangedPins,
  type PinVerification,
} from "@lockstep/verify";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { CliError, EXIT } from "../errors.js";
import { lockPath, readLockRef } from "../lock-io.js";
import { checkPromotions } from "../promotion-check.js";
import { deployConfigAt, relocateToDeployed, storeEnvironment } from "../deployed-location.js";
import type { Output } from "../output.js";

export interface VerifyCommandOptions {
  lock?: string;
  all?: boolean;
  reproduce?: boolean;
  tolerance?: string;
  data?: string[];
  json?: boolean;
  /** A git revision whose lock (and deployment config) is verified, read as data: nothing of it runs. */
  head?: string;
  /** Verify each pin where its environment's pods load it (the deployment config's store), not at its uri. */
  deployed?: boolean;
  /** "required": every changed pin needs a build-provenance attestation by this repository's train.yml. */
  attestation?: string;
  /** Where promotionRequires reads monitor reports (default $LOCKSTEP_REPORT_STORE, else the source's store). */
  reportStore?: string;
  /** Where attestations are read (default: the GitHub API, by GITHUB_REPOSITORY and GITHUB_TOKEN). */
  provenance?: { source: ProvenanceSource; policy: ProvenancePolicy };
}

/** The attestations of GITHUB_REPOSITORY through the GitHub API, and its train.yml at main as the only builder. */
function githubProvenance(env: NodeJS.ProcessEnv): { source: ProvenanceSource; policy: ProvenancePolicy } {
  const repository = env.GITHUB_REPOSITORY;
  const token = env.GITHUB_TOKEN;
  if (!repository || !token)
    throw new CliError(
      "--attestation required reads attestations through the GitHub API: set GITHUB_REPOSITORY and GITHUB_TOKEN",
    );
  const client = new GitHubClient({ repository, token, apiUrl: env.GITHUB_API_URL });
  return {
    source: { statements: async (sha256) => verifiedStatements(await client.attestations(sha256)) },
    policy: {
      repository,
      serverUrl: env.GITHUB_SERVER_URL,
      ref: env.LOCKSTEP_ATTESTATION_REF || "refs/heads/main",
    },
  };
}

/**
 * Verifies the pins the working lock adds or changes against `base` (a lock file or git:REV,
 * default git:HEAD; --all: every pin): artifact, card, onnxruntime, golden inputs and, with
 * --reproduce, the recorded evaluation run again. Exit 1 when any check fails.
 */
export async function verify(
  base: string | undefined,
  options: VerifyCommandOptions,
  out: Output,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ exitCode: number; results: PinVerification[] }> {
  const path = lockPath(options.lock, env);
  const attestation = options.attestation ?? "off";
  if (attestation !== "required" && attestation !== "off")
    throw new CliError(
      `--attestation must be required or off, got ${JSON.stringify(attestation.slice(0, 40))}`,
    );
  const provenance = attestation === "required" ? (options.provenance ?? githubProvenance(env)) : undefined;
  const tolerance = options.tolerance === undefined ? undefined : parseTolerance(options.tolerance);
  const data = parseDataOverrides(options.data ?? []);
  const headRef = options.head === undefined ? path : `git:${options.head}`;
  const current = await readLockRef(headRef, path);
  const before: LockFile = options.all
    ? emptyLock()
    : await readLockRef(base ?? "git:HEAD", path, { missingFileIsEmpty: true });
  const baseDir = dirname(path);
  const relocated = options.deployed
    ? relocateToDeployed(
        before,
        current,
        await deployConfigAt(headRef, baseDir),
        options.all ? undefined : await deployConfigAt(base ?? "git:HEAD", baseDir),
      )
    : undefined;
  // where the pods load it means fetched from there: a cache of earlier reads never stands in
  const freshCache = relocated ? await mkdtemp(join(tmpdir(), "lockstep-verify-")) : undefined;
  let verified: PinVerification[];
  try {
    verified = await verifyChangedPins(before, relocated?.lock ?? current, {
      storeOptions: { baseDir, env },
      storeOptionsFor: (model, environment) => {
        const at = relocated?.where.get(`${model}/${environment}`);
        return at && { baseDir, env: storeEnvironment(at.store, env), cacheDir: freshCache };
      },
      reproduce: options.reproduce
        ? { tolerance, data, baseDir, env, log: out.progress, untrustedPins: options.head !== undefined }
        : undefined,
      log: out.progress,
    });
    for (const result of verified) {
      const uri = relocated?.where.get(`${result.model}/${result.environment}`)?.uri;
      if (uri)
        result.checks.unshift({
          name: "location",
          ok: true,
          detail: `read where ${result.environment}'s pods load it: ${uri}`,
        });
    }
    if (provenance)
      for (const result of verified) {
        const pin = (relocated?.lock ?? current).models[result.model]!.pins[result.environment]!;
        const check = await provenanceCheck(pin, provenance.source, provenance.policy);
        result.checks.splice(relocated ? 1 : 0, 0, check);
        if (!check.ok) result.ok = false;
      }
  } finally {
    if (freshCache) await rm(freshCache, { recursive: true, force: true });
  }
  const results = [...(relocated?.refused ?? []), ...verified];
  if (!options.all)
    await checkPromotions(base ?? "git:HEAD", path, before, current, results, {
      reportStore: options.reportStore ?? (env.LOCKSTEP_REPORT_STORE?.trim() || undefined),
      env,
    });
  if (options.json) out.json(results);
  else if (results.length === 0) out.result(verificationSummary(results));
  else out.result(`${verificationTable(results)}\n\n${verificationSummary(results)}`);
  const exitCode = results.every((r) => r.ok) ? EXIT.ok : EXIT.failure;
  return { exitCode, results };
}
