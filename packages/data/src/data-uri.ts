import { readFile, stat } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { s3ClientFromEnv, s3Error, StoreError } from "@lockstep/store";

export interface ReadDataOptions {
  /** Refuse anything larger (default 256 MiB). */
  maxBytes?: number;
  baseDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Timeout for https:// downloads in ms (default 60 s). */
  timeoutMs?: number;
}

const DEFAULT_MAX = 256 * 1024 * 1024;

/** Data larger than the reader's limit (the message and code of any read error; the size seen so far). */
export class DataTooLargeError extends StoreError {
  override name = "DataTooLargeError";
  constructor(
    readonly uri: string,
    readonly maxBytes: number,
    readonly seen: number,
  ) {
    super("STORE_IO", `${uri} is larger than the ${maxBytes}-byte limit`);
  }
}

const tooLarge = (uri: string, max: number, seen = max + 1) => new DataTooLargeError(uri, max, seen);

/**
 * Reads a data set (not an artifact: no hash is known in advance) from `file://`, a path,
 * `https://`, `s3://bucket/key`, or `npm:<package>/<file>` (a file shipped inside an installed package).
 */
export async function readDataUri(uri: string, options: ReadDataOptions = {}): Promise<Buffer> {
  const max = options.maxBytes ?? DEFAULT_MAX;
  const baseDir = options.baseDir ?? process.cwd();
  if (uri.startsWith("https://") || uri.startsWith("http://"))
    return readHttp(uri, max, options.timeoutMs ?? 60_000);
  if (uri.startsWith("s3://")) return readS3(uri, max, options.env ?? process.env);
  const path = localDataPath(uri, baseDir);
  if (path === undefined) {
    throw new StoreError(
      "STORE_URI",
      `unsupported data URI scheme in ${JSON.stringify(uri)}: use file://, https://, s3:// or npm:`,
    );
  }
  return readLocal(path, uri, max);
}

/** The local path a data URI names (file://, npm:, a plain path); undefined for remote schemes. */
export function localDataPath(uri: string, baseDir = process.cwd()): string | undefined {
  if (uri.startsWith("npm:")) return resolveNpmUri(uri, baseDir);
  if (uri.startsWith("file:///")) return fileURLToPath(uri);
  if (uri.startsWith("file://")) return resolve(baseDir, uri.slice(7));
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri) && !/^[a-z]:[\\/]/i.test(uri)) return undefined;
  return isAbsolute(uri) ? uri : resolve(baseDir, uri);
}

/** The local path of `npm:<package>/<path>`: a file or folder inside an installed package. */
export function resolveNpmUri(uri: string, baseDir = process.cwd()): string {
  const match = /^npm:((?:@[a-z0-9._-]+\/)?[a-z0-9._-]+)\/(.+)$/.exec(uri);
  if (!match || match[2]!.split("/").includes("..")) {
    throw new StoreError(
      "STORE_URI",
      `invalid npm: data URI ${JSON.stringify(uri)} (expected npm:<package>/<file>)`,
    );
  }
  const root = findPackage(match[1]!, [baseDir, dirname(fileURLToPath(import.meta.url))]);
  if (!root)
    throw new StoreError("STORE_NOT_FOUND", `package ${match[1]} is not installed (needed for ${uri})`);
  return resolve(root, match[2]!);
}

/** Finds an installed package's folder in node_modules above any of `from` (exports maps aside). */
function findPackage(name: string, from: string[]): string | undefined {
  for (const start of from) {
    for (let dir = start; ; dir = dirname(dir)) {
      const candidate = join(dir, "node_modules", name);
      if (existsSync(join(candidate, "package.json"))) return candidate;
      if (dirname(dir) === dir) break;
    }
  }
  return undefined;
}

async function readLocal(path: string, uri: string, max: number): Promise<Buffer> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new StoreError("STORE_IO", `${uri} is not a regular file`);
    size = info.size;
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw new StoreError("STORE_NOT_FOUND", `data file ${uri} not found`);
  }
  if (size > max) throw tooLarge(uri, max, size);
  return readFile(path);
}

async function readHttp(uri: string, max: number, timeoutMs: number): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(uri, { signal: AbortSignal.timeout(timeoutMs), redirect: "follow" });
  } catch (error) {
    throw new StoreError("STORE_UNREACHABLE", `cannot download ${uri}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (response.status === 404) throw new StoreError("STORE_NOT_FOUND", `${uri}: 404 not found`);
  if (response.status === 401 || response.status === 403) {
    throw new StoreError("STORE_ACCESS_DENIED", `${uri}: access denied (${response.status})`);
  }
  if (!response.ok || !response.body) throw new StoreError("STORE_IO", `${uri}: HTTP ${response.status}`);
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > max) throw tooLarge(uri, max, declared);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > max) throw tooLarge(uri, max, total);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

async function readS3(uri: string, max: number, env: NodeJS.ProcessEnv): Promise<Buffer> {
  const [bucket = "", ...key] = uri.slice(5).split("/");
  if (!bucket || key.length === 0) throw new StoreError("STORE_URI", `expected s3://bucket/key, got ${uri}`);
  const client = s3ClientFromEnv(env);
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key.join("/") }));
    if ((response.ContentLength ?? 0) > max) throw tooLarge(uri, max, response.ContentLength);
    const bytes = await response.Body!.transformToByteArray();
    return Buffer.from(bytes);
  } catch (error) {
    if (error instanceof StoreError) throw error;
    const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || "AWS S3";
    throw s3Error(error, `data ${uri}`, endpoint);
  } finally {
    client.destroy();
  }
}
