/** Where cached answers live: in this process or in Redis. */
export interface CacheBackend {
  readonly name: string;
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  close(): Promise<void>;
}
