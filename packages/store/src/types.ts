import type { Readable } from "node:stream";

/** What a put or stat says of an artifact. `uri` is where a reader finds it again. */
export interface ArtifactInfo {
  sha256: string;
  bytes: number;
  uri: string;
}

export type ArtifactSource = Uint8Array | Readable | AsyncIterable<Uint8Array>;

/** A content-addressed store: an artifact's key is `sha256/<hex>` of its bytes. */
export interface ArtifactStore {
  /** The store's root, e.g. file://.lockstep/store or s3://bucket/prefix. */
  readonly uri: string;
  put(data: ArtifactSource): Promise<ArtifactInfo>;
  /** Reads and verifies; throws IntegrityError on a mismatch and StoreError(STORE_NOT_FOUND) when absent. */
  get(uri: string, expectedSha256: string): Promise<Buffer>;
  has(sha256: string): Promise<boolean>;
  stat(sha256: string): Promise<ArtifactInfo | undefined>;
  /** The URI an artifact with this hash has in this store. */
  uriFor(sha256: string): string;
}
