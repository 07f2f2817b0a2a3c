import type { MonitorValue } from "@lockstep/models";
import { JsonText } from "../inference-steps/json-text.js";

/**
 * An answer as the cache holds it: the spec's answer object, which metrics observe, and its JSON
 * text, which the response splices in. Both are made once, when the model answers.
 */
export interface CachedAnswer {
  readonly answer: Record<string, unknown>;
  readonly json: JsonText;
  /**
   * The request's features as its spec's monitor names them, so the prediction log and the drift
   * window see a cache hit too (decoding is what the cache saves). Kept in memory only: an answer
   * read back from Redis has none.
   */
  readonly features?: Record<string, MonitorValue>;
}

export function cachedAnswer(
  answer: Record<string, unknown>,
  features?: Record<string, MonitorValue>,
): CachedAnswer {
  return { answer, json: new JsonText(JSON.stringify(answer)), ...(features ? { features } : {}) };
}

/** A stored text that is not a JSON object: the entry is dropped and counted, never served. */
export class CacheDecodeError extends Error {
  readonly code = "CACHE_DECODE";
}

/** For backends that hold text (Redis): the answer back from its JSON. */
export function cachedAnswerFromText(text: string): CachedAnswer {
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch (error) {
    throw new CacheDecodeError(`a cached answer is not JSON: ${(error as Error).message}`);
  }
  if (typeof answer !== "object" || answer === null || Array.isArray(answer)) {
    throw new CacheDecodeError("a cached answer is not a JSON object");
  }
  return { answer: answer as Record<string, unknown>, json: new JsonText(text) };
}
