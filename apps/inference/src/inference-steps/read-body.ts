import type { IncomingMessage } from "node:http";
import busboy from "busboy";
import { HttpError } from "../errors.js";
import { UNBOUNDED, type Reservation } from "./byte-budget.js";
import { parseJsonText } from "./json-value.js";
import { declaredLength, readBytes, tooLarge } from "./read-bytes.js";

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

const incomplete = (what: string) =>
  new HttpError(400, "BODY_INCOMPLETE", `the ${what} ended early: the client closed the connection`);

/** Memory a body takes per byte while its request runs: parsed JSON is several times its text. */
const PER_BYTE = { json: 4, image: 2, multipart: 2, binary: 2 } as const;

/** The one file of a multipart/form-data upload (field "image" or the first file), size-limited. */
function readMultipartFile(req: IncomingMessage, limit: number, reservation: Reservation): Promise<Buffer> {
  const declared = declaredLength(req);
  // the whole form is at most the file and a few small fields: refused on its declared length
  if (declared !== undefined && declared > limit + 64 * 1024) return Promise.reject(tooLarge(limit, "form"));
  try {
    if (declared !== undefined) reservation.check(declared * PER_BYTE.multipart, "the multipart form");
  } catch (error) {
    return Promise.reject(error);
  }
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
    // the form's bytes are held as they arrive; past the budget the upload stops here
    const hold = (chunk: Buffer) => {
      try {
        reservation.add(chunk.length * PER_BYTE.multipart, "the multipart form");
      } catch (error) {
        req.off("data", hold).unpipe(parser);
        parser.destroy();
        reject(error);
      }
    };
    req.on("data", hold);
    req.once("error", gone).once("close", gone);
    parser.on("close", () => {
      req.off("error", gone).off("close", gone).off("data", hold);
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

/** What an OIP binary request's JSON header is checked by before its tensors are read (the route's). */
export type BinaryHeadCheck = (head: Buffer, bodyLength: number | undefined) => void;

/** The binary extension's header: the JSON header's length, checked against the body's before any byte is read. */
export const BINARY_HEADER = "inference-header-content-length";

function binaryHead(req: IncomingMessage, checkFor: (() => BinaryHeadCheck) | undefined) {
  const text = req.headers[BINARY_HEADER];
  if (checkFor === undefined || typeof text !== "string") return undefined;
  const length = Number(text);
  const declared = declaredLength(req);
  if (!/^\d{1,10}$/.test(text) || length < 2 || (declared !== undefined && length > declared)) {
    throw new HttpError(
      400,
      "INFER_REQUEST_INVALID",
      `${BINARY_HEADER} must be the JSON header's byte length (2 to ${declared ?? "the body's length"})`,
    );
  }
  const check = checkFor();
  return { length, inspect: (head: Buffer) => check(head, declared) };
}

/**
 * Reads a request body by its content type, each with its own size limit: JSON (parsed on first
 * use, with a depth limit), a raw image (`image/*`, kept as bytes), a multipart form holding one
 * file, or binary tensors (`application/octet-stream`, the OIP binary extension, whose JSON header
 * `checkBinaryHead` sees before the tensors are read). Each holds its bytes against `reservation`,
 * refused before reading when its declared length does not fit (see readBytes).
 */
export async function readBody(
  req: IncomingMessage,
  limits: BodyLimits,
  reservation: Reservation = UNBOUNDED,
  checkBinaryHead?: () => BinaryHeadCheck,
): Promise<RequestBody> {
  const type = mediaTypeOf(req);
  const read = (limit: number, what: string, perByte: number, head?: ReturnType<typeof binaryHead>) =>
    readBytes(req, { limit, what, reservation, perByte, head });
  if (type === "application/json") {
    return new JsonBody(await read(limits.json, "JSON body", PER_BYTE.json), limits.jsonDepth);
  }
  const imageLimit = limits.image;
  if (type?.startsWith("image/"))
    return { kind: "image", value: await read(imageLimit, "image", PER_BYTE.image) };
  if (type === "multipart/form-data") {
    return { kind: "multipart", value: await readMultipartFile(req, imageLimit, reservation) };
  }
  if (type === "application/octet-stream") {
    const head = binaryHead(req, checkBinaryHead);
    return { kind: "binary", value: await read(limits.binary, "binary body", PER_BYTE.binary, head) };
  }
  throw new HttpError(
    415,
    "UNSUPPORTED_MEDIA_TYPE",
    "send JSON (Content-Type: application/json), or an image (image/*, multipart/form-data) where the model takes one",
  );
}
