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
export class ResponseCache {
  constructor(
    private readonly backend: CacheBackend,
    private readonly metrics: Metrics,
    readonly ttlSeconds: number,
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
    this.backend.set(key, entry, this.ttlSeconds).catch(() => {
      this.metrics.cacheErrors.inc({ backend: this.backend.name, operation: "set" });
    });
  }

  close(): Promise<void> {
    return this.backend.close();
  }
}
