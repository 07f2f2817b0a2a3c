import type { CachedAnswer } from "./cached-answer.js";

/**
 * Where cached answers live: in this process (the objects themselves) or in Redis (their JSON).
 * A backend that cannot read back what it holds throws CacheDecodeError from get.
 */
export interface CacheBackend {
  readonly name: string;
  get(key: string): Promise<CachedAnswer | undefined>;
  set(key: string, value: CachedAnswer, ttlSeconds: number): Promise<void>;
  close(): Promise<void>;
}
