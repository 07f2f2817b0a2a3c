import type { Readable } from "node:stream";

/** What a put or stat says of an artifact. `uri` is where a reader finds it again. */
export interface ArtifactInfo {
  sha256: string;
  bytes: number;
  uri: string;
}

export interface GetOptions {
  /** Refuse an artifact larger than this many bytes. */
  maxBytes?: number;
}

/** The largest artifact any read accepts when the caller names no size (4 GiB). */
export const DEFAULT_MAX_ARTIFACT_BYTES = 4 * 1024 ** 3;

export type ArtifactSource = Uint8Array | Readable | AsyncIterable<Uint8Array>;

/** A content-addressed store: an artifact's key is `sha256/<hex>` of its bytes. */
export interface ArtifactStore {
  /** The store's root, e.g. file://.lockstep/store or s3://bucket/prefix. */
  readonly uri: string;
  put(data: ArtifactSource): Promise<ArtifactInfo>;
  /**
   * Reads and verifies; throws IntegrityError on a mismatch, StoreError(STORE_NOT_FOUND) when absent
   * and StoreError(STORE_TOO_LARGE) as soon as more than `maxBytes` arrive (a pin's own size when
   * the caller knows it; DEFAULT_MAX_ARTIFACT_BYTES otherwise): an object that grew, or a server
   * that lies about its length, fills neither memory nor disk.
   */
  get(uri: string, expectedSha256: string, options?: GetOptions): Promise<Buffer>;
  has(sha256: string): Promise<boolean>;
  stat(sha256: string): Promise<ArtifactInfo | undefined>;
  /** The URI an artifact with this hash has in this store. */
  uriFor(sha256: string): string;
  /**
   * Writes a small named object beside the artifacts (a monitor report, a run record), replacing
   * what was there; `key` is checked by `namedKey` (under `reports/`, `runs/` or `data/`, no `..`).
   * Returns its URI.
   */
  putNamed(key: string, body: Uint8Array | string, contentType: string): Promise<string>;
  /** A named object's bytes, or undefined when absent; refuses more than maxBytes. */
  getNamed(key: string, options?: GetOptions): Promise<Buffer | undefined>;
  /** Named objects under a prefix (S3 ListObjectsV2 with continuation; a directory walk on files). */
  listNamed(prefix: string): AsyncIterable<{ key: string; bytes: number }>;
  /** Removes a named object; an absent one is not an error. */
  deleteNamed(key: string): Promise<void>;
}
