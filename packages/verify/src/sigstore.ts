import { bundleFromJSON } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { toSignedEntity, toTrustMaterial, Verifier } from "@sigstore/verify";
import github from "../trust/github.json" with { type: "json" };
import publicGood from "../trust/public-good.json" with { type: "json" };
import { bundleStatements, type ProvenanceStatement } from "./provenance.js";

/** The OIDC issuer of GitHub Actions: the only one whose certificates count. */
export const ACTIONS_ISSUER = "https://token.actions.githubusercontent.com";

/**
 * The verifiers of GitHub's two Sigstore instances, from the trusted roots shipped beside this
 * package (packages/verify/trust): public-good (Rekor entries, CT logs) for public repositories,
 * GitHub's own (RFC 3161 timestamps, no logs) for private ones. Nothing is fetched.
 */
const verifiers = [
  new Verifier(toTrustMaterial(TrustedRoot.fromJSON(publicGood))),
  new Verifier(toTrustMaterial(TrustedRoot.fromJSON(github)), { tlogThreshold: 0, ctlogThreshold: 0 }),
];

/**
 * The statements of attestation bundles whose Sigstore signature verifies: the DSSE signature
 * over the statement, the certificate chain to a trusted Fulcio CA at the time the log or the
 * timestamp authority saw it, the transparency log entry, and GitHub Actions as the issuer.
 * Each carries `signer`, its certificate's subject (the workflow that signed it, at its ref). A
 * bundle that does not verify is returned with `refusal` and no signer.
 */
export function verifiedStatements(bundles: unknown[]): ProvenanceStatement[] {
  const out: ProvenanceStatement[] = [];
  for (const raw of bundles) {
    const [statement] = bundleStatements([
      raw as { dsseEnvelope?: { payload?: string; payloadType?: string } },
    ]);
    if (!statement) continue;
    let entity: ReturnType<typeof toSignedEntity>;
    try {
      entity = toSignedEntity(bundleFromJSON(raw));
    } catch (error) {
      out.push({ ...statement, refusal: `not a Sigstore bundle: ${(error as Error).message}` });
      continue;
    }
    const problems: string[] = [];
    let signer: string | undefined;
    for (const verifier of verifiers) {
      try {
        const identity = verifier.verify(entity, { extensions: { issuer: ACTIONS_ISSUER } }).identity;
        signer = identity?.subjectAlternativeName;
        if (signer) break;
        problems.push("the certificate names no workflow");
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
    out.push(
      signer
        ? { ...statement, signer }
        : { ...statement, refusal: `its signature does not verify (${problems.join("; ")})` },
    );
  }
  return out;
}
