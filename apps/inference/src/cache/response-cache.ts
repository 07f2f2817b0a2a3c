import { createHash } from "node:crypto";
import type { Metrics } from "../metrics.js";
import type { CacheBackend } from "./backend.js";
import { CacheDecodeError, type CachedAnswer } from "./cached-answer.js";
import { canonicalBytes } from "./canonical-bytes.js";

/**
 * Answers keyed by the serving artifact's sha256 and a hash of the canonical request (the parsed
 * JSON's canonical bytes, or the raw bytes of an upload), so a new model never sees an old
 * model's answers.
 * Backend errors are counted and treated as misses: the cache can slow nothing down but itself.
 */
/** Largest answer cached by default, in bytes of JSON. */
export const DEFAULT_MAX_ENTRY_BYTES = 1024 * 1024;

/** Byte hashes whose canonical key is remembered: 1024 x ~150 bytes. */
const KEYS_OF_BYTES = 1024;

export class ResponseCache {
  private readonly keysOfBytes = new Map<string, string>();

  constructor(
    private readonly backend: CacheBackend,
    private readonly metrics: Metrics,
    readonly ttlSeconds: number,
    /** Answers whose JSON is longer than this are served but never cached (any backend). */
    readonly maxEntryBytes: number = DEFAULT_MAX_ENTRY_BYTES,
  ) {}

  get backendName(): string {
    return this.backend.name;
  }

  key(modelSha256: string, api: string, request: unknown): string {
    const hash = createHash("sha256").update(`${modelSha256}\0${api}\0`);
    if (request instanceof Uint8Array) hash.update(request);
    else hash.update(canonicalBytes(request ?? null));
    return hash.digest("hex");
  }

  /**
   * The key of a JSON request, the same as `key` gives for its parsed value, from its bytes when
   * these bytes were seen lately: hashing costs a tenth of parsing and canonicalising, and a client
   * that repeats a request mostly repeats its bytes. `parsed` is called only when they are new.
   */
  keyOfJson(modelSha256: string, api: string, bytes: Uint8Array, parsed: () => unknown): string {
    const seen = createHash("sha256").update(`${modelSha256}\0${api}\0`).update(bytes).digest("base64");
    let key = this.keysOfBytes.get(seen);
    if (key === undefined) {
      key = this.key(modelSha256, api, parsed());
      if (this.keysOfBytes.size >= KEYS_OF_BYTES)
        this.keysOfBytes.delete(this.keysOfBytes.keys().next().value!);
    } else this.keysOfBytes.delete(seen); // re-inserted below: most recently used last
    this.keysOfBytes.set(seen, key);
    return key;
  }

  /** How many byte hashes the key memo holds (for tests). */
  get rememberedKeys(): number {
    return this.keysOfBytes.size;
  }

  async get(model: string, key: string): Promise<CachedAnswer | undefined> {
    let entry: CachedAnswer | undefined;
    try {
      entry = await this.backend.get(key);
    } catch (error) {
      const operation = error instanceof CacheDecodeError ? "decode" : "get";
      this.metrics.cacheErrors.inc({ backend: this.backend.name, operation });
      return undefined;
    }
    this.metrics.cacheRequests.inc({ model, result: entry === undefined ? "miss" : "hit" });
    return entry;
  }

  /** Stores in the background: the answer does not wait for the cache. */
  set(key: string, entry: CachedAnswer): void {
    if (entry.json.text.length > this.maxEntryBytes) {
      this.metrics.cacheSkipped.inc({ reason: "too_large" });
      return;
    }
    this.backend.set(key, entry, this.ttlSeconds).catch(() => {
      this.metrics.cacheErrors.inc({ backend: this.backend.name, operation: "set" });
    });
  }

  close(): Promise<void> {
    return this.backend.close();
  }
}
