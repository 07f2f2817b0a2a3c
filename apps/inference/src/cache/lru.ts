import type { CachedAnswer } from "./cached-answer.js";

/** Default byte budget of the in-process cache. */
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * Memory an answer holds: its JSON text (one byte a character for the ASCII answers give) and the
 * answer object it was made from, which is about as large again, plus the entry's own overhead.
 */
export function answerBytes(entry: CachedAnswer): number {
  return 2 * entry.json.text.length + 256;
}

function sizeOfValue(value: unknown): number {
  if (typeof value === "string") return 2 * value.length + 64;
  const json = (value as Partial<CachedAnswer> | null)?.json;
  return json ? answerBytes(value as CachedAnswer) : 256;
}

/**
 * An in-process LRU with per-entry expiry (a Map keeps insertion order: re-insert on use), bounded
 * by entries and by bytes: the oldest go when either bound is passed, and an entry larger than the
 * whole byte budget is never stored. As the response cache's backend it holds the answers
 * themselves, so a hit is neither parsed nor serialised again.
 */
export class LruCache<V = CachedAnswer> {
  readonly name = "memory";
  private readonly entries = new Map<string, { value: V; expires: number; bytes: number }>();
  private heldBytes = 0;

  constructor(
    private readonly maxEntries: number,
    readonly maxBytes: number = DEFAULT_CACHE_BYTES,
    private readonly sizeOf: (value: V) => number = sizeOfValue,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The bytes the entries held now take, by sizeOf. */
  get bytes(): number {
    return this.heldBytes;
  }

  async get(key: string): Promise<V | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expires <= Date.now()) {
      this.heldBytes -= entry.bytes;
      return undefined;
    }
    this.entries.set(key, entry);
    return entry.value;
  }

  async set(key: string, value: V, ttlSeconds: number): Promise<void> {
    this.remove(key);
    const bytes = this.sizeOf(value);
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { value, expires: Date.now() + ttlSeconds * 1000, bytes });
    this.heldBytes += bytes;
    while (this.entries.size > this.maxEntries || this.heldBytes > this.maxBytes) {
      this.remove(this.entries.keys().next().value!);
    }
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.heldBytes -= entry.bytes;
  }

  async close(): Promise<void> {
    this.entries.clear();
    this.heldBytes = 0;
  }
}
