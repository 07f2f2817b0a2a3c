import { HttpError } from "../errors.js";

/**
 * The binary tensor data extension (KServe/Triton): the body is a JSON inference header of
 * `Inference-Header-Content-Length` bytes followed by the raw little-endian tensors, in input order,
 * each sized by its `parameters.binary_data_size`. This turns it back into an ordinary JSON request
 * so the same validation applies to both.
 */
export const BINARY_HEADER = "inference-header-content-length";

const ELEMENT_BYTES: Record<string, number> = {
  BOOL: 1,
  UINT8: 1,
  INT8: 1,
  INT32: 4,
  INT64: 8,
  FP32: 4,
  FP64: 8,
};

const bad = (message: string): never => {
  throw new HttpError(400, "INFER_REQUEST_INVALID", message);
};

function decodeTensor(datatype: string, bytes: Buffer, name: string): unknown[] {
  if (datatype === "BYTES") {
    const out: string[] = [];
    for (let offset = 0; offset < bytes.length;) {
      if (offset + 4 > bytes.length) bad(`input "${name}": BYTES element length runs past its data`);
      const length = bytes.readUInt32LE(offset);
      offset += 4;
      if (offset + length > bytes.length) bad(`input "${name}": BYTES element runs past its data`);
      out.push(bytes.toString("utf8", offset, offset + length));
      offset += length;
    }
    return out;
  }
  const size = ELEMENT_BYTES[datatype];
  if (!size) return bad(`input "${name}": datatype ${JSON.stringify(datatype)} has no binary form here`);
  if (bytes.length % size !== 0)
    bad(`input "${name}": ${bytes.length} bytes is not a whole number of ${datatype}`);
  const count = bytes.length / size;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read: Record<string, (i: number) => unknown> = {
    BOOL: (i) => view.getUint8(i) !== 0,
    UINT8: (i) => view.getUint8(i),
    INT8: (i) => view.getInt8(i),
    INT32: (i) => view.getInt32(i * 4, true),
    INT64: (i) => Number(view.getBigInt64(i * 8, true)),
    FP32: (i) => view.getFloat32(i * 4, true),
    FP64: (i) => view.getFloat64(i * 8, true),
  };
  return Array.from({ length: count }, (_, i) => read[datatype]!(i));
}

export function decodeBinaryRequest(
  body: Buffer,
  headerLengthText: string | undefined,
  maxDepth: number,
): unknown {
  if (headerLengthText === undefined || headerLengthText === "") {
    return bad(`a binary request needs the ${BINARY_HEADER} header`);
  }
  const headerLength = Number(headerLengthText);
  if (!Number.isInteger(headerLength) || headerLength < 2 || headerLength > body.length) {
    bad(
      `${BINARY_HEADER} must be the JSON header's byte length (2 to ${body.length}), got "${headerLengthText}"`,
    );
  }
  const text = body.toString("utf8", 0, headerLength);
  let depth = 0;
  for (const c of text) if (c === "[" || c === "{") depth++;
  if (depth > maxDepth * 64) bad("the inference header is too deeply nested");
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    return bad(`the inference header is not valid JSON: ${(error as Error).message}`);
  }
  if (
    header === null ||
    typeof header !== "object" ||
    !Array.isArray((header as { inputs?: unknown }).inputs)
  ) {
    return bad('the inference header must be an object with "inputs"');
  }
  let offset = headerLength;
  const inputs = (header as { inputs: unknown[] }).inputs.map((raw) => {
    if (raw === null || typeof raw !== "object") return raw;
    const input = raw as {
      name?: unknown;
      datatype?: unknown;
      data?: unknown;
      parameters?: Record<string, unknown>;
    };
    const size = input.parameters?.binary_data_size;
    if (size === undefined) return raw;
    const name = String(input.name);
    if (typeof size !== "number" || !Number.isInteger(size) || size < 0) {
      bad(`input "${name}": binary_data_size must be a non-negative integer`);
    }
    if (input.data !== undefined) bad(`input "${name}": give "data" or binary_data_size, not both`);
    if (offset + (size as number) > body.length) bad(`input "${name}": binary_data_size runs past the body`);
    const data = decodeTensor(String(input.datatype), body.subarray(offset, offset + (size as number)), name);
    offset += size as number;
    const { binary_data_size: _size, ...parameters } = input.parameters!;
    return { ...input, parameters, data };
  });
  if (offset !== body.length) bad(`${body.length - offset} bytes after the last binary input belong to none`);
  return { ...(header as object), inputs };
}
