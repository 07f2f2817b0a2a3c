import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { provenanceCheck, verifiedStatements } from "../src/index.js";
import type { Pin } from "@lockstep/lockfile";

// a real GitHub attestation (public-good Sigstore, 2024), verified offline against the shipped trusted root
const bundle = JSON.parse(
  readFileSync(join(import.meta.dirname, "fixtures", "attest-demo.sigstore.json"), "utf8"),
);
const signer =
  "https://github.com/github/artifact-attestations-workflows/.github/workflows/attest.yml@09b495c3f12c7881b3cc17209a327792065c1a1d";
const sha = "49a3aa6075e0f49f82843e74b5baa614ad2a588e6675612bf108a0a008c5ac25";

describe("Sigstore verification of attestation bundles, offline", () => {
  it("verifies a real bundle's signature, certificate chain and log entry, and names the signing workflow", () => {
    const [statement] = verifiedStatements([bundle]);
    expect(statement!.refusal).toBeUndefined();
    expect(statement!.signer).toBe(signer);
    expect(statement!.subject![0]!.digest!.sha256).toBe(sha);
  });

  it("refuses a statement whose payload was changed after signing, and a bundle with no signature material", () => {
    const tampered = structuredClone(bundle);
    const payload = Buffer.from(bundle.dsseEnvelope.payload, "base64").toString("utf8");
    tampered.dsseEnvelope.payload = Buffer.from(
      payload.replace(".github/workflows/shared.yml", ".github/workflows/train.yml"),
    ).toString("base64");
    const [changed] = verifiedStatements([tampered]);
    expect(changed!.signer).toBeUndefined();
    expect(changed!.refusal).toMatch(/^its signature does not verify \(.*(mismatch|signature)/i);
    // what the local GitHub fake serves: an envelope with an empty signature and no certificate
    const bare = {
      mediaType: bundle.mediaType,
      verificationMaterial: {},
      dsseEnvelope: { ...bundle.dsseEnvelope, signatures: [{ sig: "" }] },
    };
    expect(verifiedStatements([bare])[0]!.refusal).toMatch(
      /^(not a Sigstore bundle|its signature does not verify)/,
    );
  });

  it("a verified statement by another workflow does not vouch for a pin", async () => {
    const pin = {
      sha256: sha,
      source: { attestation: "https://github.com/malancas/attest-demo/attestations/1" },
    } as unknown as Pin;
    const check = await provenanceCheck(
      pin,
      { statements: async () => verifiedStatements([bundle]) },
      {
        repository: "malancas/attest-demo",
        workflow: ".github/workflows/shared.yml",
      },
    );
    expect(check.ok).toBe(false);
    expect(check.detail).toBe(
      `no attestation signed by https://github.com/malancas/attest-demo/.github/workflows/shared.yml@refs/heads/main vouches for it: signed by ${signer}`,
    );
  });
});
