import type { IncomingMessage } from "node:http";
import busboy from "busboy";
import { HttpError } from "../errors.js";
import { parseJsonText } from "./json-value.js";

export { jsonErrorDetail, nestsDeeperThan } from "./json-value.js";

/** Body limits by content type (defaults in configFromEnv). */
export interface BodyLimits {
  /** Largest JSON body in bytes. */
  json: number;
  /** Largest image, raw or in a multipart form, in bytes. */
  image: number;
  /** Largest binary tensor request (OIP binary extension) in bytes. */
  binary: number;
  /** Deepest accepted nesting of JSON arrays and objects. */
  jsonDepth: number;
}

export type BodyKind = "json" | "image" | "multipart" | "binary";

const tooLarge = (limit: number, what: string) =>
  // the unread rest makes the connection unusable, so tell the client to drop it
  new HttpError(413, "BODY_TOO_LARGE", `the ${what} exceeds ${limit} bytes`, { Connection: "close" });

const incomplete = (what: string) =>
  new HttpError(400, "BODY_INCOMPLETE", `the ${what} ended early: the client closed the connection`);

function readRaw(req: IncomingMessage, limit: number, what: string): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) return Promise.reject(tooLarge(limit, what));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total <= limit) chunks.push(chunk);
      else {
        cleanup();
        reject(tooLarge(limit, what));
      }
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
    };
    // a client that goes away mid-body is no server error: nothing to log with a stack
    const onError = () => {
      cleanup();
      reject(incomplete(what));
    };
    const onClose = () => {
      cleanup();
      reject(incomplete(what));
    };
    const cleanup = () => {
      req.off("data", onData).off("end", onEnd).off("error", onError).off("close", onClose);
    };
    req.on("data", onData).on("end", onEnd).on("error", onError).on("close", onClose);
  });
}

/** The one file of a multipart/form-data upload (field "image" or the first file), size-limited. */
function readMultipartFile(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
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
    const gone = () => {
      if (!req.complete) reject(incomplete("multipart form"));
    };
    req.once("error", gone).once("close", gone);
    parser.on("close", () => {
      req.off("error", gone).off("close", gone);
      if (failed) return reject(failed);
      if (!file) return reject(new HttpError(400, "INVALID_MULTIPART", "the multipart form holds no file"));
      file.then(resolve, reject);
    });
    req.pipe(parser);
  });
}

/** The media type of a request that has a body ("type/subtype", lower case), else undefined. */
function mediaTypeOf(req: IncomingMessage): string | undefined {
  const { headers } = req;
  // as type-is: a body is announced by Transfer-Encoding or a numeric Content-Length
  if (
    headers["transfer-encoding"] === undefined &&
    Number.isNaN(Number.parseInt(headers["content-length"] ?? "", 10))
  ) {
    return undefined;
  }
  const type = headers["content-type"]?.split(";", 1)[0]!.trim().toLowerCase();
  return type && MEDIA_TYPE.test(type) ? type : undefined;
}

const MEDIA_TYPE = /^[a-z0-9][\w!#$&^.+-]*\/[a-z0-9][\w!#$&^.+-]*$/;

export interface RequestBody {
  kind: BodyKind;
  /**
   * Parsed JSON, or the bytes of an image or of binary tensors. JSON is parsed when this is first
   * read (throwing the 400 for a malformed or too deep body then, and on every later read), so a
   * request answered from its bytes alone, such as a cache hit, never pays for parsing.
   */
  readonly value: unknown;
  /** The bytes of a JSON body as received. */
  readonly raw?: Buffer;
}

class JsonBody implements RequestBody {
  readonly kind = "json";
  private parsed: { value: unknown } | { error: unknown } | undefined;

  constructor(
    readonly raw: Buffer,
    private readonly maxDepth: number,
  ) {}

  get value(): unknown {
    if (!this.parsed) {
      try {
        this.parsed = { value: parseJsonText(this.raw, this.maxDepth, "the body", "INVALID_JSON") };
      } catch (error) {
        this.parsed = { error };
      }
    }
    if ("error" in this.parsed) throw this.parsed.error;
    return this.parsed.value;
  }
}

/**
 * Reads a request body by its content type, each with its own size limit: JSON (parsed on first
 * use, with a depth limit), a raw image (`image/*`, kept as bytes), a multipart form holding one
 * file, or binary tensors (`application/octet-stream`, the OIP binary extension).
 */
export async function readBody(req: IncomingMessage, limits: BodyLimits): Promise<RequestBody> {
  const type = mediaTypeOf(req);
  if (type === "application/json") {
    return new JsonBody(await readRaw(req, limits.json, "JSON body"), limits.jsonDepth);
  }
  const imageLimit = limits.image;
  if (type?.startsWith("image/")) return { kind: "image", value: await readRaw(req, imageLimit, "image") };
  if (type === "multipart/form-data") {
    return { kind: "multipart", value: await readMultipartFile(req, imageLimit) };
  }
  if (type === "application/octet-stream") {
    return { kind: "binary", value: await readRaw(req, limits.binary, "binary body") };
  }
  throw new HttpError(
    415,
    "UNSUPPORTED_MEDIA_TYPE",
    "send JSON (Content-Type: application/json), or an image (image/*, multipart/form-data) where the model takes one",
  );
}
