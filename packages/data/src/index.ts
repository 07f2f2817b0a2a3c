export { localDataPath, readDataUri, resolveNpmUri, type ReadDataOptions } from "./data-uri.js";
export { syncS3Prefix, datasetCacheDir, type SyncOptions } from "./data-dir.js";
export { writeDataUri, type WriteDataOptions } from "./write-uri.js";
