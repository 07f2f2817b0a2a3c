import type { CachedAnswer } from "./cached-answer.js";

/**
 * An in-process LRU with per-entry expiry (a Map keeps insertion order: re-insert on use). As the
 * response cache's backend it holds the answers themselves, so a hit is neither parsed nor
 * serialised again.
 */
export class LruCache<V = CachedAnswer> {
  readonly name = "memory";
  private readonly entries = new Map<string, { value: V; expires: number }>();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<V | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expires <= Date.now()) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  async set(key: string, value: V, ttlSeconds: number): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, { value, expires: Date.now() + ttlSeconds * 1000 });
    while (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value!);
    }
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}
