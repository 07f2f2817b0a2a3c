// The shapes of what GitHub answers, as far as Lockstep reads them: a pull request, an issue, an
// attestation bundle.

export interface PullRequest {
  number: number;
  html_url: string;
  state: "open" | "closed";
  title: string;
  body: string | null;
  head: { ref: string; sha: string; label: string };
  base: { ref: string };
  labels: { name: string }[];
}

export interface Issue {
  number: number;
  html_url: string;
  state: "open" | "closed";
  title: string;
  body: string | null;
  labels: { name: string }[];
  /** Present when the "issue" is a pull request (the issues API lists both). */
  pull_request?: unknown;
}

/** A Sigstore bundle as the attestations API lists it; the statement is the DSSE envelope's payload. */
export interface AttestationBundle {
  mediaType?: string;
  dsseEnvelope?: { payload?: string; payloadType?: string };
}
