import type { CachedAnswer } from "./cache/cached-answer.js";
import { HttpError } from "./errors.js";

/** Refuses an answer over the limit with 413 before it is cached or sent. */
export function checkAnswerSize(entry: CachedAnswer, maxBytes: number): void {
  const bytes = entry.json.text.length;
  if (bytes > maxBytes) {
    throw new HttpError(
      413,
      "ANSWER_TOO_LARGE",
      `the answer takes ${bytes} bytes, over this server's limit of ${maxBytes}: ask for less per request`,
    );
  }
}
