import type { Pin } from "@lockstep/lockfile";
import type { Check } from "./verify-pin.js";

/** An in-toto statement (what an attestation's DSSE envelope carries), as far as this check reads it. */
export interface ProvenanceStatement {
  _type?: string;
  subject?: { name?: string; digest?: { sha256?: string } }[];
  predicateType?: string;
  predicate?: {
    buildDefinition?: {
      externalParameters?: { workflow?: { ref?: string; repository?: string; path?: string } };
      resolvedDependencies?: { uri?: string; digest?: { gitCommit?: string } }[];
    };
    runDetails?: { metadata?: { invocationId?: string } };
  };
  /** The workflow whose Sigstore certificate signed the statement (its subject), once verified. */
  signer?: string;
  /** Why the statement's signature did not verify. */
  refusal?: string;
}

/**
 * Where attested statements come from. The real one lists a repository's attestations through the
 * GitHub API and verifies each bundle's Sigstore signature offline (`verifiedStatements`), so a
 * statement carries the workflow its certificate names (`signer`).
 */
export interface ProvenanceSource {
  statements(sha256: string): Promise<ProvenanceStatement[]>;
}

/** Who may have built a pinned artifact: this repository's training workflow at the default branch. */
export interface ProvenancePolicy {
  /** owner/name */
  repository: string;
  /** default https://github.com */
  serverUrl?: string;
  /** default .github/workflows/train.yml */
  workflow?: string;
  /** default refs/heads/main */
  ref?: string;
  /**
   * Count only statements whose Sigstore signature verified and whose certificate names the
   * workflow (`signer`): a statement's predicate is whatever its signer wrote. Default true.
   */
  signed?: boolean;
}

export const SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1";
export const TRAIN_WORKFLOW = ".github/workflows/train.yml";

/** Decodes bundles' DSSE payloads into statements; a payload that is not an in-toto JSON statement is skipped. */
export function bundleStatements(
  bundles: { dsseEnvelope?: { payload?: string; payloadType?: string } }[],
): ProvenanceStatement[] {
  const out: ProvenanceStatement[] = [];
  for (const bundle of bundles) {
    const envelope = bundle.dsseEnvelope;
    if (!envelope?.payload || envelope.payloadType !== "application/vnd.in-toto+json") continue;
    if (envelope.payload.length > 4 * 1024 * 1024) continue;
    try {
      const statement = JSON.parse(Buffer.from(envelope.payload, "base64").toString("utf8")) as unknown;
      if (statement && typeof statement === "object" && !Array.isArray(statement))
        out.push(statement as ProvenanceStatement);
    } catch {
      // not JSON: not a statement this check can read
    }
  }
  return out;
}

/**
 * The "attestation" check of one pin: the pin names an attestation, and GitHub holds a SLSA
 * provenance statement for exactly its sha256 made by the policy's repository, workflow and ref
 * (and, when the pin records its commit, at that commit). Anything else fails, saying what the
 * attestations found do claim.
 */
export async function provenanceCheck(
  pin: Pin,
  source: ProvenanceSource,
  policy: ProvenancePolicy,
): Promise<Check> {
  const fail = (detail: string): Check => ({ name: "attestation", ok: false, detail });
  if (!pin.source.attestation)
    return fail(
      "the pin names no build-provenance attestation: artifacts reach a pull request from train.yml, which attests each one",
    );
  const server = (policy.serverUrl ?? "https://github.com").replace(/\/+$/, "");
  const repository = `${server}/${policy.repository}`;
  const workflow = policy.workflow ?? TRAIN_WORKFLOW;
  const ref = policy.ref ?? "refs/heads/main";
  let statements: ProvenanceStatement[];
  try {
    statements = await source.statements(pin.sha256);
  } catch (error) {
    return fail(`cannot read the attestations: ${(error as Error).message}`);
  }
  const forPin = statements.filter(
    (s) =>
      s.predicateType === SLSA_PROVENANCE_V1 &&
      (s.subject ?? []).some((x) => x.digest?.sha256 === pin.sha256),
  );
  if (forPin.length === 0)
    return fail(
      `${policy.repository} holds no build-provenance attestation for sha256:${pin.sha256.slice(0, 12)}…`,
    );
  const claims: string[] = [];
  const identity = `${repository}/${workflow}@${ref}`;
  for (const statement of forPin) {
    if ((policy.signed ?? true) && statement.signer !== identity) {
      claims.push(
        statement.signer
          ? `signed by ${statement.signer}`
          : `unsigned (${statement.refusal ?? "no verified Sigstore signature"})`,
      );
      continue;
    }
    const built = statement.predicate?.buildDefinition;
    const w = built?.externalParameters?.workflow ?? {};
    const commit = built?.resolvedDependencies?.find((d) => d.digest?.gitCommit)?.digest?.gitCommit;
    const run = statement.predicate?.runDetails?.metadata?.invocationId ?? "an unnamed run";
    const sameCommit = !pin.source.commit || !commit || commit === pin.source.commit;
    if (w.repository === repository && w.path === workflow && w.ref === ref && sameCommit)
      return {
        name: "attestation",
        ok: true,
        detail: `built by ${workflow}@${ref} in ${policy.repository}${commit ? ` at ${commit.slice(0, 12)}` : ""}, ${run}`,
      };
    claims.push(
      `${w.repository ?? "no repository"} ${w.path ?? "no workflow"}@${w.ref ?? "no ref"}${commit ? ` at ${commit.slice(0, 12)}` : ""}${sameCommit ? "" : ` (the pin says ${pin.source.commit!.slice(0, 12)})`}`,
    );
  }
  return fail(`no attestation signed by ${identity} vouches for it: ${claims.join("; ")}`);
}
