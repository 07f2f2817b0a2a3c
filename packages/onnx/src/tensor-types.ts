import onnxProto from "onnx-proto";

const { onnx } = onnxProto;

export type ElementType = "float32" | "float64" | "int32" | "int64" | "uint8" | "int8" | "bool" | "string";

export const ELEMENT_TYPES: Record<ElementType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float64: onnx.TensorProto.DataType.DOUBLE,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
  uint8: onnx.TensorProto.DataType.UINT8,
  int8: onnx.TensorProto.DataType.INT8,
  bool: onnx.TensorProto.DataType.BOOL,
  string: onnx.TensorProto.DataType.STRING,
};

export function elementTypeName(code: number): ElementType {
  const entry = Object.entries(ELEMENT_TYPES).find(([, value]) => value === code);
  if (!entry) throw new Error(`unsupported ONNX element type ${code}`);
  return entry[0] as ElementType;
}

/** A dimension: a fixed size, or a symbolic name such as "batch" (dynamic). */
export type Dim = number | string;

/** A graph input or output as the card and the HTTP API describe it. */
export interface TensorSpec {
  name: string;
  type: ElementType;
  shape: Dim[];
  description?: string;
}
