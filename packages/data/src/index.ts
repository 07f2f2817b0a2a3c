export {
  DataTooLargeError,
  localDataPath,
  readDataUri,
  resolveNpmUri,
  type ReadDataOptions,
} from "./data-uri.js";
export { syncS3Prefix, datasetCacheDir, type SyncOptions } from "./data-dir.js";
export { writeDataUri, type WriteDataOptions } from "./write-uri.js";
export { SnapshotError, type SnapshotErrorCode } from "./snapshot-errors.js";
export {
  parseManifest,
  parseSnapshotRef,
  serializeManifest,
  snapshotKey,
  snapshotRef,
  unsafePathReason,
  type SnapshotManifest,
} from "./snapshot-manifest.js";
export {
  DEFAULT_SNAPSHOT_CAP,
  dataSourceSha256,
  isFileSource,
  snapshotBytes,
  snapshotData,
  type DataSnapshot,
  type SnapshotOptions,
  type SnapshotStore,
  type TakenSnapshot,
} from "./snapshot.js";
export {
  fileNameOf,
  pullSnapshot,
  readSnapshot,
  resolvePinnedData,
  type ReadSnapshot,
  type ReadSnapshotOptions,
  type ResolvedData,
} from "./snapshot-read.js";
export { parseSize, snapshotSettings } from "./snapshot-settings.js";
