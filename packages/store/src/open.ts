import { resolve } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { FileStore } from "./file-store.js";
import { s3ClientFromEnv } from "./s3-client.js";
import { S3Store } from "./s3-store.js";
import type { ArtifactStore, GetOptions } from "./types.js";
import { DEFAULT_STORE_URI, parseArtifactUri, parseStoreUri } from "./uri.js";

export interface OpenStoreOptions {
  /** Directory that relative file:// URIs are resolved against (default: the working directory). */
  baseDir?: string;
  env?: NodeJS.ProcessEnv;
  /** An S3 client to use instead of one configured from the environment. */
  s3Client?: S3Client;
  cacheDir?: string;
  partSize?: number;
  /** Keys per S3 listing page (tests use a small one to cross pages). */
  listPageSize?: number;
}

/** Opens the store a URI names: file://… (default file://.lockstep/store) or s3://bucket/prefix. */
export function openStore(uri: string = DEFAULT_STORE_URI, options: OpenStoreOptions = {}): ArtifactStore {
  const baseDir = options.baseDir ?? process.cwd();
  const location = parseStoreUri(uri, baseDir);
  if (location.kind === "file") return new FileStore(location.uri, location.root);
  const env = options.env ?? process.env;
  return new S3Store({
    bucket: location.bucket,
    prefix: location.prefix,
    uri: location.uri,
    client: options.s3Client ?? s3ClientFromEnv(env),
    cacheDir: options.cacheDir ?? resolve(baseDir, env.LOCKSTEP_CACHE_DIR ?? ".lockstep/cache"),
    partSize: options.partSize,
    listPageSize: options.listPageSize,
  });
}

/**
 * Fetches and verifies an artifact by its URI (`<store>/sha256/<hex>`), whatever store holds it;
 * `maxBytes` (a pin's size) refuses a larger object before it is all read.
 */
export async function fetchArtifact(
  uri: string,
  expectedSha256: string,
  options: OpenStoreOptions & GetOptions = {},
): Promise<Buffer> {
  const { storeUri } = parseArtifactUri(uri);
  return openStore(storeUri, options).get(uri, expectedSha256, { maxBytes: options.maxBytes });
}
