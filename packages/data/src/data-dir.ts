import { mkdir, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { s3ClientFromEnv, StoreError } from "@lockstep/store";

export interface SyncOptions {
  env?: NodeJS.ProcessEnv;
  client?: S3Client;
  maxObjects?: number;
  maxBytes?: number;
  log?: (message: string) => void;
}

/**
 * Mirrors every object under s3://bucket/prefix into `dir` (keys relative to the prefix become
 * paths). Objects already there with the same size are not fetched again. Keys that would escape
 * `dir` are refused. Returns the number of objects.
 */
export async function syncS3Prefix(uri: string, dir: string, options: SyncOptions = {}): Promise<number> {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new StoreError("STORE_URI", `expected s3://bucket/prefix, got ${uri}`);
  const [, bucket, rawPrefix] = match as unknown as [string, string, string];
  const prefix = rawPrefix && !rawPrefix.endsWith("/") ? `${rawPrefix}/` : rawPrefix;
  const client = options.client ?? s3ClientFromEnv(options.env ?? process.env);
  const maxObjects = options.maxObjects ?? 200_000;
  const maxBytes = options.maxBytes ?? 20 * 1024 ** 3;
  const root = resolve(dir);
  let count = 0;
  let bytes = 0;
  let token: string | undefined;
  do {
    let page;
    try {
      page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
    } catch (error) {
      const name = (error as Error).name;
      if (name === "NoSuchBucket") throw new StoreError("STORE_NOT_FOUND", `bucket ${bucket} does not exist`);
      if (name === "AccessDenied")
        throw new StoreError("STORE_ACCESS_DENIED", `access denied listing ${uri}`);
      throw new StoreError("STORE_UNREACHABLE", `cannot list ${uri}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    for (const object of page.Contents ?? []) {
      const key = object.Key!;
      const relative = key.slice(prefix.length);
      if (relative === "" || key.endsWith("/")) continue;
      const target = resolve(root, relative);
      if (!target.startsWith(root + sep) || relative.split("/").includes("..")) {
        throw new StoreError(
          "STORE_URI",
          `object key ${JSON.stringify(key)} would be written outside ${dir}`,
        );
      }
      if (++count > maxObjects)
        throw new StoreError("STORE_IO", `more than ${maxObjects} objects under ${uri}`);
      bytes += object.Size ?? 0;
      if (bytes > maxBytes) throw new StoreError("STORE_IO", `more than ${maxBytes} bytes under ${uri}`);
      const have = await stat(target).catch(() => undefined);
      if (have?.isFile() && have.size === object.Size) continue;
      const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, await response.Body!.transformToByteArray());
      if (count % 200 === 0) options.log?.(`${uri}: ${count} objects fetched`);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  if (count === 0) throw new StoreError("STORE_NOT_FOUND", `no objects under ${uri}`);
  return count;
}

export const datasetCacheDir = (baseDir: string, key: string) =>
  join(baseDir, ".lockstep", "cache", "datasets", key);
