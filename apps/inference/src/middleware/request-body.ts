import type { IncomingMessage } from "node:http";
import busboy from "busboy";
import type { Context, Middleware } from "koa";
import { HttpError } from "../errors.js";

export interface BodyLimits {
  /** Largest JSON body in bytes (default 1 MiB). */
  json?: number;
  /** Largest image, raw or in a multipart form, in bytes (default 20 MiB). */
  image?: number;
  /** Largest binary tensor request (OIP binary extension) in bytes (default 32 MiB). */
  binary?: number;
  /** Deepest accepted nesting of JSON arrays and objects (default 32). */
  jsonDepth?: number;
}

export type BodyKind = "json" | "image" | "multipart" | "binary";

const tooLarge = (limit: number, what: string) =>
  // the unread rest makes the connection unusable, so tell the client to drop it
  new HttpError(413, "BODY_TOO_LARGE", `the ${what} exceeds ${limit} bytes`, { Connection: "close" });

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

async function readRaw(req: IncomingMessage, limit: number, what: string): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) throw tooLarge(limit, what);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) throw tooLarge(limit, what);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The one file of a multipart/form-data upload (field "image" or the first file), size-limited. */
function readMultipartFile(ctx: Context, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: ctx.req.headers,
        limits: { files: 1, fileSize: limit, fields: 8, fieldSize: 1024, parts: 16, headerPairs: 32 },
      });
    } catch (error) {
      reject(new HttpError(400, "INVALID_MULTIPART", `bad multipart request: ${(error as Error).message}`));
      return;
    }
    let file: Promise<Buffer> | undefined;
    let failed: HttpError | undefined;
    parser.on("file", (_field, stream) => {
      file = new Promise((done) => {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("limit", () => (failed ??= tooLarge(limit, "uploaded image")));
        stream.on("close", () => done(Buffer.concat(chunks)));
      });
    });
    const limitHit = (what: string) => () =>
      (failed ??= new HttpError(413, "BODY_TOO_LARGE", `too many ${what} in the multipart form`, {
        Connection: "close",
      }));
    parser.on("filesLimit", limitHit("files"));
    parser.on("fieldsLimit", limitHit("fields"));
    parser.on("partsLimit", limitHit("parts"));
    parser.on("error", (error: Error) =>
      reject(new HttpError(400, "INVALID_MULTIPART", `bad multipart request: ${error.message}`)),
    );
    parser.on("close", () => {
      if (failed) return reject(failed);
      if (!file) return reject(new HttpError(400, "INVALID_MULTIPART", "the multipart form holds no file"));
      file.then(resolve, reject);
    });
    ctx.req.pipe(parser);
  });
}

/**
 * Reads the request body by its content type, each with its own size limit: JSON (parsed, with a
 * depth limit), a raw image (`image/*`, kept as bytes), a multipart form holding one file, or
 * binary tensors (`application/octet-stream`, the OIP binary extension).
 * Sets ctx.request.body and ctx.state.bodyKind.
 */
export function requestBody(limits: BodyLimits = {}): Middleware {
  const jsonLimit = limits.json ?? 1024 * 1024;
  const imageLimit = limits.image ?? 20 * 1024 * 1024;
  const binaryLimit = limits.binary ?? 32 * 1024 * 1024;
  const maxDepth = limits.jsonDepth ?? 32;
  return async (ctx, next) => {
    if (!["POST", "PUT", "PATCH"].includes(ctx.method)) return next();
    const request = ctx.request as { body?: unknown };
    if (ctx.is("application/json")) {
      const text = (await readRaw(ctx.req, jsonLimit, "JSON body")).toString("utf8");
      if (depthOf(text) > maxDepth) {
        throw new HttpError(400, "BODY_TOO_DEEP", `JSON nesting deeper than ${maxDepth}`);
      }
      try {
        request.body = text.trim() === "" ? {} : JSON.parse(text);
      } catch (error) {
        throw new HttpError(400, "INVALID_JSON", `the body is not valid JSON: ${(error as Error).message}`);
      }
      ctx.state.bodyKind = "json" satisfies BodyKind;
    } else if (ctx.is("image/*")) {
      request.body = await readRaw(ctx.req, imageLimit, "image");
      ctx.state.bodyKind = "image" satisfies BodyKind;
    } else if (ctx.is("multipart/form-data")) {
      request.body = await readMultipartFile(ctx, imageLimit);
      ctx.state.bodyKind = "multipart" satisfies BodyKind;
    } else if (ctx.is("application/octet-stream")) {
      request.body = await readRaw(ctx.req, binaryLimit, "binary body");
      ctx.state.bodyKind = "binary" satisfies BodyKind;
    } else {
      throw new HttpError(
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        "send JSON (Content-Type: application/json), or an image (image/*, multipart/form-data) where the model takes one",
      );
    }
    return next();
  };
}
