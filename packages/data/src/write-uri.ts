import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { s3ClientFromEnv, s3Error, StoreError } from "@lockstep/store";
import { localDataPath } from "./data-uri.js";

export interface WriteDataOptions {
  baseDir?: string;
  env?: NodeJS.ProcessEnv;
  contentType?: string;
}

/**
 * Writes a result file (batch predictions) to a path, `file://` or `s3://bucket/key`; local files
 * are replaced whole (temp file + rename), never left half-written. Returns where it went.
 */
export async function writeDataUri(
  uri: string,
  body: string | Uint8Array,
  options: WriteDataOptions = {},
): Promise<string> {
  if (uri.startsWith("s3://")) {
    const [bucket = "", ...key] = uri.slice(5).split("/");
    if (!bucket || key.length === 0 || key.includes("..") || key.at(-1) === "")
      throw new StoreError("STORE_URI", `expected s3://bucket/key, got ${JSON.stringify(uri.slice(0, 200))}`);
    const env = options.env ?? process.env;
    const client = s3ClientFromEnv(env);
    try {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key.join("/"),
          Body: body,
          ContentType: options.contentType ?? "application/octet-stream",
        }),
      );
    } catch (error) {
      throw s3Error(error, `upload to ${uri}`, env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || "AWS S3");
    } finally {
      client.destroy();
    }
    return uri;
  }
  const path = uri.startsWith("npm:") ? undefined : localDataPath(uri, options.baseDir);
  if (path === undefined)
    throw new StoreError(
      "STORE_URI",
      `cannot write to ${JSON.stringify(uri.slice(0, 200))}: use a path, file:// or s3://bucket/key`,
    );
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temp, body);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw new StoreError("STORE_IO", `cannot write ${path}: ${(error as Error).message}`, { cause: error });
  }
  return path;
}
