import { describe, expect, it } from "vitest";
import { LruCache } from "../src/cache/lru.js";
import { ResponseCache } from "../src/cache/response-cache.js";
import { HttpError } from "../src/errors.js";
import { createMetrics } from "../src/metrics.js";

const SHA = "a".repeat(64);
const cache = () => new ResponseCache(new LruCache(10), createMetrics(), 60);

/** keyOfJson with a parser that counts its calls, as the inference steps' lazy body does. */
function keyer(responses: ResponseCache) {
  let parses = 0;
  const key = (text: string, sha = SHA, api = "v1") =>
    responses.keyOfJson(sha, api, Buffer.from(text), () => {
      parses++;
      return JSON.parse(text) as unknown;
    });
  return { key, parses: () => parses };
}

describe("cache keys of JSON requests", () => {
  it("are the keys of the parsed value, and repeated bytes are not parsed again", () => {
    const responses = cache();
    const { key, parses } = keyer(responses);
    const text = '{"candles": [[1, 2.5, 3], [4, 5, 6]], "horizon": 12}';
    const first = key(text);
    expect(first).toBe(responses.key(SHA, "v1", JSON.parse(text)));
    expect(parses()).toBe(1);
    expect(key(text)).toBe(first);
    expect(key(text)).toBe(first);
    expect(parses()).toBe(1);
    // other bytes, the same value: parsed once, then the same key
    expect(key('{ "horizon": 12.0, "candles": [[1, 2.5, 3], [4, 5, 6]] }')).toBe(first);
    expect(parses()).toBe(2);
    expect(key('{"horizon": 13}')).not.toBe(first);
  });

  it("differ by model and by API for the same bytes", () => {
    const { key } = keyer(cache());
    const keys = new Set([key("{}"), key("{}", "b".repeat(64)), key("{}", SHA, "v2")]);
    expect(keys.size).toBe(3);
  });

  it("remember a bounded number of recent bodies", () => {
    const responses = cache();
    const { key, parses } = keyer(responses);
    for (let i = 0; i < 3000; i++) key(`{"i": ${i}}`);
    expect(responses.rememberedKeys).toBe(1024);
    const before = parses();
    key('{"i": 2999}'); // recent: remembered
    expect(parses()).toBe(before);
    key('{"i": 0}'); // long ago: parsed again
    expect(parses()).toBe(before + 1);
  });

  it("remember nothing for a body that cannot be parsed, and let its error through", () => {
    const responses = cache();
    const refuse = () =>
      responses.keyOfJson(SHA, "v1", Buffer.from("{not json"), () => {
        throw new HttpError(400, "INVALID_JSON", "the body is not valid JSON");
      });
    expect(refuse).toThrow(HttpError);
    expect(refuse).toThrow(HttpError);
    expect(responses.rememberedKeys).toBe(0);
  });
});
