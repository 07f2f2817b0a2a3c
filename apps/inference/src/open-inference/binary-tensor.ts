import { HttpError } from "../errors.js";
import type { OipDatatype, TensorData } from "./datatypes.js";

const bad = (message: string): never => {
  throw new HttpError(400, "INFER_REQUEST_INVALID", message);
};

/** Bytes one element of each fixed-size datatype takes in the binary form. */
export const ELEMENT_BYTES: Partial<Record<OipDatatype, number>> = {
  BOOL: 1,
  UINT8: 1,
  INT8: 1,
  INT32: 4,
  INT64: 8,
  FP32: 4,
  FP64: 8,
};

/** Strings of the BYTES binary form: each a u32 LE byte length, then its bytes. */
function readStrings(bytes: Buffer, count: number, name: string): string[] {
  const out: string[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (out.length === count) bad(`input "${name}": more than ${count} BYTES elements in its data`);
    if (offset + 4 > bytes.length) bad(`input "${name}": BYTES element length runs past its data`);
    const length = bytes.readUInt32LE(offset);
    offset += 4;
    if (offset + length > bytes.length) bad(`input "${name}": BYTES element runs past its data`);
    out.push(bytes.toString("utf8", offset, offset + length));
    offset += length;
  }
  if (out.length !== count)
    bad(`input "${name}": its shape holds ${count} elements but the data has ${out.length}`);
  return out;
}

function checkFinite(data: Float32Array | Float64Array, name: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!))
      bad(`input "${name}": element ${i} must be a finite number, got ${data[i]}`);
  }
}

/**
 * One input's raw bytes from a binary request (the binary tensor data extension), held as bytes
 * until the input's datatype and shape have been checked: then read into a typed array at once,
 * never expanded element by element into JS values.
 */
export class BinaryTensor {
  constructor(readonly bytes: Buffer) {}

  read(datatype: OipDatatype, count: number, name: string): TensorData {
    const { bytes } = this;
    if (datatype === "BYTES") return readStrings(bytes, count, name);
    const size = ELEMENT_BYTES[datatype]!;
    if (bytes.length !== count * size) {
      bad(
        `input "${name}": binary_data_size is ${bytes.length} bytes; its shape needs ${count * size} (${count} x ${datatype})`,
      );
    }
    // a copy: typed arrays need aligned offsets and the body buffer is released with the request
    const copy = new Uint8Array(bytes);
    switch (datatype) {
      case "BOOL": {
        for (let i = 0; i < copy.length; i++) copy[i] = copy[i] === 0 ? 0 : 1;
        return copy;
      }
      case "UINT8":
        return copy;
      case "INT8":
        return new Int8Array(copy.buffer);
      case "INT32":
        return new Int32Array(copy.buffer);
      case "INT64":
        return new BigInt64Array(copy.buffer);
      case "FP32": {
        const data = new Float32Array(copy.buffer);
        checkFinite(data, name);
        return data;
      }
      case "FP64": {
        const data = new Float64Array(copy.buffer);
        checkFinite(data, name);
        return data;
      }
    }
    return bad(`input "${name}": datatype ${datatype} has no binary form here`);
  }
}
