import { describe, expect, it } from "vitest";
import type { Pin } from "@lockstep/lockfile";
import { bundleStatements, provenanceCheck, type ProvenanceStatement } from "../src/index.js";

const sha = "c".repeat(64);
const commit = "1".repeat(40);
const pin: Pin = {
  version: "3",
  sha256: sha,
  bytes: 10,
  uri: `s3://b/m/sha256/${sha}`,
  metrics: { mape_h12: 0.1 },
  evaluation: { protocol: "p", datasetSha256: "d".repeat(64) },
  trainedAt: "2026-12-01T00:00:00.000Z",
  source: { commit, attestation: "https://github.com/acme/models/attestations/123" },
};

/** The statement actions/attest-build-provenance writes (its predicate@1.1.5 layout). */
function statement(
  over: { repository?: string; path?: string; ref?: string; commit?: string; digest?: string } = {},
): ProvenanceStatement {
  return {
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ name: `${sha}.onnx`, digest: { sha256: over.digest ?? sha } }],
    predicateType: "https://slsa.dev/provenance/v1",
    predicate: {
      buildDefinition: {
        externalParameters: {
          workflow: {
            ref: over.ref ?? "refs/heads/main",
            repository: over.repository ?? "https://github.com/acme/models",
            path: over.path ?? ".github/workflows/train.yml",
          },
        },
        resolvedDependencies: [
          {
            uri: "git+https://github.com/acme/models@refs/heads/main",
            digest: { gitCommit: over.commit ?? commit },
          },
        ],
      },
      runDetails: { metadata: { invocationId: "https://github.com/acme/models/actions/runs/7/attempts/1" } },
    },
    // what a verified Sigstore certificate names (verifiedStatements sets it)
    signer: "https://github.com/acme/models/.github/workflows/train.yml@refs/heads/main",
  };
}
const source = (...statements: ProvenanceStatement[]) => ({ statements: async () => statements });
const policy = { repository: "acme/models" };

describe("provenanceCheck", () => {
  it("holds for a statement by this repository's train.yml at main, for exactly this sha256 and commit", async () => {
    expect(await provenanceCheck(pin, source(statement()), policy)).toEqual({
      name: "attestation",
      ok: true,
      detail: `built by .github/workflows/train.yml@refs/heads/main in acme/models at ${commit.slice(0, 12)}, https://github.com/acme/models/actions/runs/7/attempts/1`,
    });
  });

  it.each([
    [
      "another repository",
      statement({ repository: "https://github.com/evil/fork" }),
      /https:\/\/github.com\/evil\/fork/,
    ],
    [
      "another workflow",
      statement({ path: ".github/workflows/release.yml" }),
      /release\.yml@refs\/heads\/main/,
    ],
    ["another ref", statement({ ref: "refs/heads/feature" }), /train\.yml@refs\/heads\/feature/],
    ["another commit", statement({ commit: "2".repeat(40) }), /the pin says 111111111111/],
  ])("fails for a statement by %s, saying what it claims", async (_, other, claim) => {
    const check = await provenanceCheck(pin, source(other), policy);
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(
      /^no attestation signed by https:\/\/github.com\/acme\/models\/\.github\/workflows\/train\.yml@refs\/heads\/main vouches for it: /,
    );
    expect(check.detail).toMatch(claim);
  });

  it("counts only statements whose verified certificate names train.yml at main: the predicate is the signer's word", async () => {
    // a collaborator's own workflow can write a predicate that claims train.yml: its certificate says who signed
    const forged = {
      ...statement(),
      signer: "https://github.com/acme/models/.github/workflows/pr.yml@refs/pull/9/merge",
    };
    const unsigned = {
      ...statement(),
      signer: undefined,
      refusal: "its signature does not verify (DSSE payload hash mismatch)",
    };
    const check = await provenanceCheck(pin, source(forged, unsigned), policy);
    expect(check.ok).toBe(false);
    expect(check.detail).toContain(
      "signed by https://github.com/acme/models/.github/workflows/pr.yml@refs/pull/9/merge",
    );
    expect(check.detail).toContain("unsigned (its signature does not verify (DSSE payload hash mismatch))");
    // the decision alone, without signatures, is what a test against the fake exercises
    expect(
      (
        await provenanceCheck(pin, source({ ...statement(), signer: undefined }), {
          ...policy,
          signed: false,
        })
      ).ok,
    ).toBe(true);
  });

  it("fails when the pin names no attestation, GitHub holds none for this sha256, or the source fails", async () => {
    const unnamed = { ...pin, source: { commit } };
    expect((await provenanceCheck(unnamed, source(statement()), policy)).detail).toMatch(
      /the pin names no build-provenance attestation/,
    );
    expect((await provenanceCheck(pin, source(), policy)).detail).toMatch(
      /acme\/models holds no build-provenance attestation for sha256:cccccccccccc/,
    );
    // a statement for other bytes, or of another predicate, does not count
    const otherBytes = statement({ digest: "e".repeat(64) });
    const sbom = { ...statement(), predicateType: "https://spdx.dev/Document/v2.3" };
    expect((await provenanceCheck(pin, source(otherBytes, sbom), policy)).ok).toBe(false);
    const broken = { statements: () => Promise.reject(new Error("GitHub API 502")) };
    expect((await provenanceCheck(pin, broken, policy)).detail).toBe(
      "cannot read the attestations: GitHub API 502",
    );
  });

  it("reads statements from bundles' DSSE payloads, skipping what is not an in-toto JSON statement", () => {
    const encode = (value: unknown) =>
      Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64");
    const envelope = (payload: string, payloadType = "application/vnd.in-toto+json") => ({
      dsseEnvelope: { payload, payloadType },
    });
    expect(
      bundleStatements([
        envelope(encode(statement())),
        envelope(encode("{not json")),
        envelope(encode([1, 2])),
        envelope(encode(statement()), "text/plain"),
        {},
      ]),
    ).toEqual([statement()]);
  });
});
