import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
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
    // a dot name is never a named key: listings skip it, and concurrent writers each have their own
    const temp = join(
      dirname(target),
      `.${basename(target)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
    );
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

  async getNamed(key: string, options: GetOptions = {}): Promise<Buffer | undefined> {
    const path = join(this.root, namedKey(key));
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_ARTIFACT_BYTES;
    const uri = `${this.uri}/${key}`;
    try {
      const size = (await stat(path)).size;
      if (size > maxBytes) throw new TooLargeError(uri, maxBytes, size);
      const bytes = await readFile(path);
      if (bytes.length > maxBytes) throw new TooLargeError(uri, maxBytes, bytes.length); // grew meanwhile
      return bytes;
    } catch (error) {
      if (error instanceof TooLargeError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") return undefined;
      throw new StoreError("STORE_IO", `cannot read ${path}: ${(error as Error).message}`, { cause: error });
    }
  }

  async *listNamed(prefix: string): AsyncIterable<{ key: string; bytes: number }> {
    namedPrefix(prefix);
    const cut = prefix.lastIndexOf("/");
    yield* this.walk(prefix.slice(0, cut), prefix);
  }

  /** Files under `dir` (a key prefix ending before a "/") whose keys start with `prefix`, by name. */
  private async *walk(dir: string, prefix: string): AsyncIterable<{ key: string; bytes: number }> {
    const path = join(this.root, dir);
    let entries;
    try {
      entries = await readdir(path, { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return;
      throw new StoreError("STORE_IO", `cannot list ${path}: ${(error as Error).message}`, { cause: error });
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const key = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) yield* this.walk(key, prefix);
      } else if (entry.isFile() && key.startsWith(prefix) && isNamedKey(key)) {
        const size = await stat(join(path, entry.name)).then(
          (info) => info.size,
          () => undefined, // removed meanwhile
        );
        if (size !== undefined) yield { key, bytes: size };
      }
    }
  }

  async deleteNamed(key: string): Promise<void> {
    const path = join(this.root, namedKey(key));
    try {
      await rm(path, { force: true });
    } catch (error) {
      throw new StoreError("STORE_IO", `cannot delete ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
