import { createReadStream } from "node:fs";
import { mkdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { IntegrityError, StoreError, TooLargeError } from "./errors.js";
import { assertSha256, sha256Hex } from "./hash.js";
import { commitSpool, spool } from "./spool.js";
import {
  DEFAULT_MAX_ARTIFACT_BYTES,
  type ArtifactInfo,
  type ArtifactSource,
  type ArtifactStore,
  type GetOptions,
} from "./types.js";
import { artifactKey, isNamedKey, namedKey, namedPrefix, parseArtifactUri } from "./uri.js";

export interface S3StoreOptions {
  bucket: string;
  prefix: string;
  uri: string;
  client: S3Client;
  /** Verified local copies of downloaded artifacts (content-addressed, shared by all S3 stores). */
  cacheDir?: string;
  /** Multipart part size; S3 requires at least 5 MiB. */
  partSize?: number;
  /** Keys per ListObjectsV2 page (S3's own maximum, 1000, by default; smaller in tests). */
  listPageSize?: number;
}

interface AwsError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  message?: string;
}

/** Maps AWS SDK and network errors to StoreErrors that say what to check. */
export function s3Error(error: unknown, what: string, endpoint: string): StoreError {
  const e = error as AwsError;
  const status = e.$metadata?.httpStatusCode;
  const name = e.name ?? e.code ?? "";
  if (name === "NoSuchKey" || name === "NotFound" || status === 404) {
    return new StoreError("STORE_NOT_FOUND", `${what}: not found`, { cause: error });
  }
  if (name === "NoSuchBucket")
    return new StoreError("STORE_NOT_FOUND", `${what}: the bucket does not exist`, { cause: error });
  if (status === 403 || /AccessDenied|Forbidden|InvalidAccessKeyId|SignatureDoesNotMatch/.test(name)) {
    return new StoreError(
      "STORE_ACCESS_DENIED",
      `${what}: access denied (${name || status}); check the credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or LOCKSTEP_S3_IAM_TOKEN and its service account's roles) and the bucket policy`,
      { cause: error },
    );
  }
  if (name === "CredentialsProviderError") {
    return new StoreError(
      "STORE_ACCESS_DENIED",
      `${what}: no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or a profile)`,
      { cause: error },
    );
  }
  const code = (e as { code?: string }).code ?? "";
  if (
    /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH/.test(`${code} ${e.message ?? ""}`) ||
    name === "TimeoutError"
  ) {
    return new StoreError(
      "STORE_UNREACHABLE",
      `${what}: cannot reach ${endpoint} (${code || name || e.message})`,
      {
        cause: error,
      },
    );
  }
  return new StoreError("STORE_IO", `${what}: ${name ? `${name}: ` : ""}${e.message ?? String(error)}`, {
    cause: error,
  });
}

export class S3Store implements ArtifactStore {
  readonly uri: string;
  private readonly cacheDir: string;
  private readonly partSize: number;

  constructor(private readonly options: S3StoreOptions) {
    this.uri = options.uri;
    this.cacheDir = options.cacheDir ?? join(tmpdir(), "lockstep-cache");
    this.partSize = options.partSize ?? 8 * 1024 * 1024;
  }

  uriFor(sha256: string): string {
    return `${this.uri}/${artifactKey(sha256)}`;
  }

  private keyFor(sha256: string): string {
    return this.options.prefix ? `${this.options.prefix}/${artifactKey(sha256)}` : artifactKey(sha256);
  }

  private cachePath(sha256: string): string {
    return join(this.cacheDir, artifactKey(sha256));
  }

  private async endpoint(): Promise<string> {
    const endpoint = await this.options.client.config.endpoint?.();
    return endpoint
      ? `${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ""}`
      : "AWS S3";
  }

  async put(data: ArtifactSource): Promise<ArtifactInfo> {
    const spooled = await spool(data, join(this.cacheDir, "tmp"));
    try {
      const existing = await this.stat(spooled.sha256);
      if (!existing || existing.bytes !== spooled.bytes) {
        const upload = new Upload({
          client: this.options.client,
          partSize: this.partSize,
          queueSize: 2,
          leavePartsOnError: false,
          params: {
            Bucket: this.options.bucket,
            Key: this.keyFor(spooled.sha256),
            Body: createReadStream(spooled.path),
            ContentType: "application/octet-stream",
            Metadata: { sha256: spooled.sha256 },
          },
        });
        await upload.done().catch(async (error: unknown) => {
          throw s3Error(error, `upload to ${this.uriFor(spooled.sha256)}`, await this.endpoint());
        });
      }
      const cached = this.cachePath(spooled.sha256);
      await mkdir(dirname(cached), { recursive: true });
      await commitSpool(spooled, cached);
      return { sha256: spooled.sha256, bytes: spooled.bytes, uri: this.uriFor(spooled.sha256) };
    } finally {
      await rm(spooled.path, { force: true });
    }
  }

  async get(uri: string, expectedSha256: string, options: GetOptions = {}): Promise<Buffer> {
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_ARTIFACT_BYTES;
    assertSha256(expectedSha256, "expected sha256");
    const { sha256 } = parseArtifactUri(uri);
    if (sha256 !== expectedSha256) {
      throw new IntegrityError(uri, expectedSha256, sha256);
    }
    const cached = this.cachePath(sha256);
    const local = await readFile(cached).catch(() => undefined);
    if (local && local.length <= maxBytes) {
      if (sha256Hex(local) === expectedSha256) return local;
      await rm(cached, { force: true }); // a damaged cache entry is dropped and fetched again
    }
    let body: Readable;
    try {
      const response = await this.options.client.send(
        new GetObjectCommand({ Bucket: this.options.bucket, Key: this.keyFor(sha256) }),
      );
      body = response.Body as Readable;
      if ((response.ContentLength ?? 0) > maxBytes) {
        body.destroy?.();
        throw new TooLargeError(uri, maxBytes, response.ContentLength!);
      }
    } catch (error) {
      if (error instanceof TooLargeError) throw error;
      throw s3Error(error, `artifact ${uri}`, await this.endpoint());
    }
    // the declared length is not trusted: the copy itself stops past maxBytes
    const tooLarge = (seen: number) => new TooLargeError(uri, maxBytes, seen);
    const spooled = await spool(body, join(this.cacheDir, "tmp"), maxBytes, tooLarge).catch(
      async (error: unknown) => {
        if (error instanceof TooLargeError) throw error;
        throw s3Error(error, `download of ${uri}`, await this.endpoint());
      },
    );
    if (spooled.sha256 !== expectedSha256) {
      await rm(spooled.path, { force: true });
      throw new IntegrityError(uri, expectedSha256, spooled.sha256);
    }
    await mkdir(dirname(cached), { recursive: true });
    await commitSpool(spooled, cached);
    return readFile(cached);
  }

  async stat(sha256: string): Promise<ArtifactInfo | undefined> {
    assertSha256(sha256);
    try {
      const head = await this.options.client.send(
        new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.keyFor(sha256) }),
      );
      return { sha256, bytes: head.ContentLength ?? 0, uri: this.uriFor(sha256) };
    } catch (error) {
      const mapped = s3Error(error, `artifact ${this.uriFor(sha256)}`, await this.endpoint());
      if (mapped.code === "STORE_NOT_FOUND" && (error as AwsError).name !== "NoSuchBucket") return undefined;
      throw mapped;
    }
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.stat(sha256)) !== undefined;
  }

  async putNamed(key: string, body: Uint8Array | string, contentType: string): Promise<string> {
    namedKey(key);
    const uri = `${this.uri}/${key}`;
    try {
      await this.options.client.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: this.namedObjectKey(key),
          Body: body,
          ContentType: contentType,
        }),
      );
    } catch (error) {
      throw s3Error(error, `upload to ${uri}`, await this.endpoint());
    }
    return uri;
  }

  private namedObjectKey(key: string): string {
    return this.options.prefix ? `${this.options.prefix}/${key}` : key;
  }

  async getNamed(key: string, options: GetOptions = {}): Promise<Buffer | undefined> {
    namedKey(key);
    const uri = `${this.uri}/${key}`;
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_ARTIFACT_BYTES;
    let body: AsyncIterable<Uint8Array> & { destroy?: () => void };
    try {
      const response = await this.options.client.send(
        new GetObjectCommand({ Bucket: this.options.bucket, Key: this.namedObjectKey(key) }),
      );
      body = response.Body as unknown as typeof body;
      if ((response.ContentLength ?? 0) > maxBytes) {
        body.destroy?.();
        throw new TooLargeError(uri, maxBytes, response.ContentLength!);
      }
    } catch (error) {
      if (error instanceof TooLargeError) throw error;
      const mapped = s3Error(error, `object ${uri}`, await this.endpoint());
      if (mapped.code === "STORE_NOT_FOUND" && (error as AwsError).name !== "NoSuchBucket") return undefined;
      throw mapped;
    }
    // the declared length is not trusted: reading stops past maxBytes
    const chunks: Uint8Array[] = [];
    let seen = 0;
    try {
      for await (const chunk of body) {
        seen += chunk.byteLength;
        if (seen > maxBytes) {
          body.destroy?.();
          throw new TooLargeError(uri, maxBytes, seen);
        }
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof TooLargeError) throw error;
      throw s3Error(error, `download of ${uri}`, await this.endpoint());
    }
    return Buffer.concat(chunks);
  }

  async *listNamed(prefix: string): AsyncIterable<{ key: string; bytes: number }> {
    namedPrefix(prefix);
    const strip = this.options.prefix ? this.options.prefix.length + 1 : 0;
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.options.client.send(
          new ListObjectsV2Command({
            Bucket: this.options.bucket,
            Prefix: this.namedObjectKey(prefix),
            ContinuationToken: token,
            MaxKeys: this.options.listPageSize,
          }),
        );
      } catch (error) {
        throw s3Error(error, `listing of ${this.uri}/${prefix}`, await this.endpoint());
      }
      for (const object of page.Contents ?? []) {
        const key = object.Key?.slice(strip);
        if (key !== undefined && isNamedKey(key)) yield { key, bytes: object.Size ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async deleteNamed(key: string): Promise<void> {
    namedKey(key);
    try {
      await this.options.client.send(
        new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.namedObjectKey(key) }),
      );
    } catch (error) {
      const mapped = s3Error(error, `deletion of ${this.uri}/${key}`, await this.endpoint());
      if (mapped.code === "STORE_NOT_FOUND" && (error as AwsError).name !== "NoSuchBucket") return;
      throw mapped;
    }
  }
}
