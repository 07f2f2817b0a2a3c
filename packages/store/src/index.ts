export * from "./types.js";
export * from "./errors.js";
export { sha256Hex, SHA256_HEX } from "./hash.js";
export {
  DEFAULT_STORE_URI,
  parseArtifactUri,
  parseStoreUri,
  artifactKey,
  namedKey,
  namedPrefix,
  isNamedKey,
  NAMED_PREFIX,
  NAMED_PREFIXES,
  type StoreLocation,
} from "./uri.js";
export { FileStore } from "./file-store.js";
export { S3Store, s3Error } from "./s3-store.js";
export { s3ClientFromEnv, IAM_TOKEN_HEADER } from "./s3-client.js";
export {
  exchangeIdTokenForIamToken,
  YANDEX_TOKEN_URL,
  type ExchangeOptions,
  type IamToken,
} from "./yandex-iam.js";
export { openStore, fetchArtifact, type OpenStoreOptions } from "./open.js";
