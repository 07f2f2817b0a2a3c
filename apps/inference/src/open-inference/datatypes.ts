import type { ElementType } from "@lockstep/onnx";

/** Open Inference Protocol datatypes and the element types of the tensors they carry. */
export const OIP_TO_ELEMENT = {
  BOOL: "bool",
  UINT8: "uint8",
  INT8: "int8",
  INT32: "int32",
  INT64: "int64",
  FP32: "float32",
  FP64: "float64",
  BYTES: "string",
} as const satisfies Record<string, ElementType>;

export type OipDatatype = keyof typeof OIP_TO_ELEMENT;

const ELEMENT_TO_OIP = Object.fromEntries(
  Object.entries(OIP_TO_ELEMENT).map(([oip, element]) => [element, oip]),
) as Record<ElementType, OipDatatype>;

/** Datatypes of the protocol this server does not carry (a clear 400 rather than "unknown"). */
export const UNSUPPORTED = new Set(["UINT16", "UINT32", "UINT64", "INT16", "FP16", "BF16"]);

export function oipDatatype(element: ElementType): OipDatatype {
  return ELEMENT_TO_OIP[element];
}

const INT_RANGES: Partial<Record<ElementType, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** The largest finite float32: a larger double would become Infinity in the tensor. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** Checks one JSON element against the element type; returns an error text or undefined. */
export function elementError(value: unknown, element: ElementType): string | undefined {
  if (element === "string") return typeof value === "string" ? undefined : "a string";
  if (element === "bool") return typeof value === "boolean" ? undefined : "true or false";
  if (typeof value !== "number" || !Number.isFinite(value)) return "a finite number";
  if (element === "float32" && Math.abs(value) > FLOAT32_MAX) {
    return `a number within float32's range (±${FLOAT32_MAX})`;
  }
  const range = INT_RANGES[element];
  if (range && (!Number.isInteger(value) || value < range[0] || value > range[1])) {
    return `an integer from ${range[0]} to ${range[1]}`;
  }
  return undefined;
}

/** A tensor's elements as onnxruntime-node takes them. */
export type TensorData =
  Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | string[];

/** JSON elements (already checked) as the typed array onnxruntime-node takes for the element type. */
export function typedData(values: unknown[], element: ElementType): TensorData {
  switch (element) {
    case "float32":
      return Float32Array.from(values as number[]);
    case "float64":
      return Float64Array.from(values as number[]);
    case "int32":
      return Int32Array.from(values as number[]);
    case "int64":
      return BigInt64Array.from((values as number[]).map((v) => BigInt(v)));
    case "uint8":
      return Uint8Array.from(values as number[]);
    case "int8":
      return Int8Array.from(values as number[]);
    case "bool":
      return Uint8Array.from((values as boolean[]).map((v) => (v ? 1 : 0)));
    case "string":
      return values as string[];
  }
}

/** An onnxruntime output's data as JSON values (int64 as numbers, bool as booleans). */
export function jsonData(data: unknown, element: ElementType): unknown[] {
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Array.from(data, Number);
  if (element === "bool") return Array.from(data as Uint8Array, (v) => v !== 0);
  return Array.from(data as ArrayLike<unknown>);
}
