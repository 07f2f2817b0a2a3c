import { HttpError } from "../errors.js";
import { parseJsonText } from "../inference-steps/json-value.js";
import { BinaryTensor } from "./binary-tensor.js";

/**
 * The binary tensor data extension (KServe/Triton): the body is a JSON inference header of
 * `Inference-Header-Content-Length` bytes followed by the raw little-endian tensors, in input order,
 * each sized by its `parameters.binary_data_size`. This turns it back into an ordinary request
 * whose binary inputs hold their bytes (BinaryTensor), so the same validation applies to both and
 * no tensor is read before its datatype and shape are checked.
 */
export const BINARY_HEADER = "inference-header-content-length";

const bad = (message: string): never => {
  throw new HttpError(400, "INFER_REQUEST_INVALID", message);
};

export function decodeBinaryRequest(
  body: Buffer,
  headerLengthText: string | undefined,
  maxDepth: number,
): unknown {
  if (headerLengthText === undefined || headerLengthText === "") {
    return bad(`a binary request needs the ${BINARY_HEADER} header`);
  }
  const headerLength = Number(headerLengthText);
  if (!/^\d{1,10}$/.test(headerLengthText) || headerLength < 2 || headerLength > body.length) {
    bad(`${BINARY_HEADER} must be the JSON header's byte length (2 to ${body.length})`);
  }
  const header = parseJsonText(
    body.subarray(0, headerLength),
    maxDepth,
    "the inference header",
    "INFER_REQUEST_INVALID",
  );
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
    const input = raw as { name?: unknown; data?: unknown; parameters?: unknown };
    const parameters = input.parameters;
    if (parameters === null || typeof parameters !== "object" || Array.isArray(parameters)) return raw;
    const size = (parameters as { binary_data_size?: unknown }).binary_data_size;
    if (size === undefined) return raw;
    const name = typeof input.name === "string" ? input.name.slice(0, 64) : "?";
    if (typeof size !== "number" || !Number.isInteger(size) || size < 0) {
      bad(`input "${name}": binary_data_size must be a non-negative integer`);
    }
    if (input.data !== undefined) bad(`input "${name}": give "data" or binary_data_size, not both`);
    if (offset + (size as number) > body.length) bad(`input "${name}": binary_data_size runs past the body`);
    const data = new BinaryTensor(body.subarray(offset, offset + (size as number)));
    offset += size as number;
    const { binary_data_size: _size, ...rest } = parameters as Record<string, unknown>;
    return { ...input, parameters: rest, data };
  });
  if (offset !== body.length) bad(`${body.length - offset} bytes after the last binary input belong to none`);
  return { ...(header as object), inputs };
}
