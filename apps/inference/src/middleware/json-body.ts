import type { Middleware } from "koa";
import { HttpError } from "../errors.js";

export interface JsonBodyOptions {
  /** Largest accepted body in bytes (default 1 MiB). */
  limit?: number;
  /** Deepest accepted nesting of arrays and objects (default 32). */
  maxDepth?: number;
}

function depthOf(text: string): number {
  // Counts bracket nesting outside strings: a cheap guard that runs before JSON.parse.
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) max = Math.max(max, ++depth);
    else if (c === 125 || c === 93) depth--;
  }
  return max;
}

/** Reads a JSON request body into ctx.request.body with size and depth limits. */
export function jsonBody(options: JsonBodyOptions = {}): Middleware {
  const limit = options.limit ?? 1024 * 1024;
  const maxDepth = options.maxDepth ?? 32;
  return async (ctx, next) => {
    if (!["POST", "PUT", "PATCH"].includes(ctx.method)) return next();
    if (!ctx.is("application/json")) {
      throw new HttpError(
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        "send the request body as JSON with Content-Type: application/json",
      );
    }
    const declared = Number(ctx.get("content-length") || "0");
    if (declared > limit) throw new HttpError(413, "BODY_TOO_LARGE", `the body exceeds ${limit} bytes`);
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
      total += chunk.length;
      // stop reading; the unread rest makes the connection unusable, so tell the client to drop it
      if (total > limit) {
        throw new HttpError(413, "BODY_TOO_LARGE", `the body exceeds ${limit} bytes`, {
          Connection: "close",
        });
      }
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString("utf8");
    if (depthOf(text) > maxDepth)
      throw new HttpError(400, "BODY_TOO_DEEP", `JSON nesting deeper than ${maxDepth}`);
    try {
      (ctx.request as { body?: unknown }).body = text.trim() === "" ? {} : JSON.parse(text);
    } catch (error) {
      throw new HttpError(400, "INVALID_JSON", `the body is not valid JSON: ${(error as Error).message}`);
    }
    return next();
  };
}
