import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
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
import { artifactKey, namedKey, parseArtifactUri } from "./uri.js";

/** Artifacts as files under `<root>/sha256/<hex>`, written via temp file + rename. */
export class FileStore implements ArtifactStore {
  constructor(
    readonly uri: string,
    readonly root: string,
  ) {}

  uriFor(sha256: string): string {
    return `${this.uri}/${artifactKey(sha256)}`;
  }

  private pathFor(sha256: string): string {
    return join(this.root, artifactKey(sha256));
  }

  async put(data: ArtifactSource): Promise<ArtifactInfo> {
    const spooled = await spool(data, join(this.root, "tmp"));
    const target = this.pathFor(spooled.sha256);
    try {
      await mkdir(dirname(target), { recursive: true });
      // Content-addressed: an existing file with this name already holds these bytes.
      await commitSpool(spooled, target);
    } catch (error) {
      await rm(spooled.path, { force: true });
      throw new StoreError("STORE_IO", `cannot write ${target}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return { sha256: spooled.sha256, bytes: spooled.bytes, uri: this.uriFor(spooled.sha256) };
  }

  async get(uri: string, expectedSha256: string, options: GetOptions = {}): Promise<Buffer> {
    assertSha256(expectedSha256, "expected sha256");
    const { sha256 } = parseArtifactUri(uri);
    const path = this.pathFor(sha256);
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_ARTIFACT_BYTES;
    let bytes: Buffer;
    try {
      const size = (await stat(path)).size;
      if (size > maxBytes) throw new TooLargeError(uri, maxBytes, size);
      bytes = await readFile(path);
      if (bytes.length > maxBytes) throw new TooLargeError(uri, maxBytes, bytes.length); // grew meanwhile
    } catch (error) {
      if (error instanceof TooLargeError) throw error;
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        throw new StoreError("STORE_NOT_FOUND", `artifact ${uri} not found (no file ${path})`);
      }
      throw new StoreError("STORE_IO", `cannot read ${path}: ${(error as Error).message}`, { cause: error });
    }
    const actual = sha256Hex(bytes);
    if (actual !== expectedSha256) throw new IntegrityError(uri, expectedSha256, actual);
    return bytes;
  }

  async stat(sha256: string): Promise<ArtifactInfo | undefined> {
    assertSha256(sha256);
    try {
      const info = await stat(this.pathFor(sha256));
      return { sha256, bytes: info.size, uri: this.uriFor(sha256) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new StoreError("STORE_IO", `cannot stat ${this.pathFor(sha256)}: ${(error as Error).message}`);
    }
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.stat(sha256)) !== undefined;
  }

  async putNamed(key: string, body: Uint8Array | string, _contentType: string): Promise<string> {
    const target = join(this.root, namedKey(key));
    const temp = `${target}.${process.pid}.tmp`;
    try {
      await mkdir(dirname(target), { recursive: true });
      await writeFile(temp, body);
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => {});
      throw new StoreError("STORE_IO", `cannot write ${target}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return `${this.uri}/${key}`;
  }
}
