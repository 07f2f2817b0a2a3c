// Artifact attestations as GitHub answers GET /attestations/{digest}: the bundles recorded for a
// subject digest, 404 when there are none.
import { DOCS, invalid, type Answer, type FakeRequest } from "./http-answers.js";
import type { FakeGitHub } from "./fake-github.js";

/** GET /attestations/{digest}: the bundles FakeGitHub.addAttestation recorded for it. */
export function attestationRoutes(fake: FakeGitHub, { method, path }: FakeRequest): Answer | undefined {
  const attestation = /^\/attestations\/([^/]+)$/.exec(path);
  if (attestation && method === "GET") {
    const digest = decodeURIComponent(attestation[1]!);
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) return invalid("Invalid subject digest");
    const bundles = fake.attestations.get(digest);
    if (!bundles?.length)
      return { status: 404, body: { message: "Not Found", documentation_url: DOCS, status: "404" } };
    return {
      status: 200,
      body: { attestations: bundles.map((bundle) => ({ bundle, repository_id: 1, bundle_url: null })) },
    };
  }
  return undefined;
}
