import onnxProto from "onnx-proto";
import { OnnxError } from "./errors.js";
import { ELEMENT_TYPES, type Dim, type ElementType, type TensorSpec } from "./tensor-types.js";

const { onnx } = onnxProto;
const AttrType = onnx.AttributeProto.AttributeType;

/** A typed attribute value. Numbers must say whether they are ints or floats, as ONNX does. */
export type AttrValue =
  | { kind: "int"; value: number }
  | { kind: "float"; value: number }
  | { kind: "ints"; value: number[] }
  | { kind: "floats"; value: number[] }
  | { kind: "string"; value: string }
  | { kind: "strings"; value: string[] }
  | { kind: "tensor"; value: TensorData };

export const attr = {
  int: (value: number): AttrValue => ({ kind: "int", value }),
  float: (value: number): AttrValue => ({ kind: "float", value }),
  ints: (value: number[]): AttrValue => ({ kind: "ints", value }),
  floats: (value: number[]): AttrValue => ({ kind: "floats", value }),
  string: (value: string): AttrValue => ({ kind: "string", value }),
  strings: (value: string[]): AttrValue => ({ kind: "strings", value }),
  tensor: (value: TensorData): AttrValue => ({ kind: "tensor", value }),
};

export type TypedArrayData =
  Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;

/** Constant tensor data: element type, shape and values (length must equal the shape's product). */
export interface TensorData {
  type: Exclude<ElementType, "string" | "bool">;
  dims: number[];
  values: TypedArrayData | number[];
}

const ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  int8: Int8Array,
} as const;

function toRaw(data: TensorData): Uint8Array {
  const count = data.dims.reduce((a, b) => a * b, 1);
  if (data.values.length !== count) {
    throw new OnnxError(
      "ONNX_GRAPH",
      `tensor of shape [${data.dims.join(",")}] needs ${count} values, got ${data.values.length}`,
    );
  }
  const Ctor = ARRAYS[data.type];
  const typed =
    data.values instanceof Ctor
      ? data.values
      : data.type === "int64"
        ? BigInt64Array.from(Array.from(data.values as ArrayLike<number | bigint>, (v) => BigInt(v)))
        : (Ctor as Float32ArrayConstructor).from(data.values as ArrayLike<number>);
  // ONNX raw_data is little-endian, as is every platform onnxruntime-node ships for.
  return new Uint8Array(typed.buffer.slice(typed.byteOffset, typed.byteOffset + typed.byteLength));
}

function tensorProto(name: string, data: TensorData): onnxProto.onnx.ITensorProto {
  return { name, dataType: ELEMENT_TYPES[data.type], dims: data.dims, rawData: toRaw(data) };
}

function valueInfo(spec: TensorSpec): onnxProto.onnx.IValueInfoProto {
  return {
    name: spec.name,
    docString: spec.description ?? "",
    type: {
      tensorType: {
        elemType: ELEMENT_TYPES[spec.type],
        shape: {
          dim: spec.shape.map((d: Dim) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

function attributeProto(name: string, value: AttrValue): onnxProto.onnx.IAttributeProto {
  switch (value.kind) {
    case "int":
      return { name, type: AttrType.INT, i: value.value };
    case "float":
      return { name, type: AttrType.FLOAT, f: value.value };
    case "ints":
      return { name, type: AttrType.INTS, ints: value.value };
    case "floats":
      return { name, type: AttrType.FLOATS, floats: value.value };
    case "string":
      return { name, type: AttrType.STRING, s: new TextEncoder().encode(value.value) };
    case "strings":
      return { name, type: AttrType.STRINGS, strings: value.value.map((s) => new TextEncoder().encode(s)) };
    case "tensor":
      return { name, type: AttrType.TENSOR, t: tensorProto(name, value.value) };
  }
}

/** Opset imports in a fixed (domain) order, so equal models encode to equal bytes. */
export function opsetImports(opsets: Record<string, number>): onnxProto.onnx.IOperatorSetIdProto[] {
  return Object.entries(opsets)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([domain, version]) => ({ domain, version }));
}

/** metadata_props in key order. */
export function metadataProps(
  metadata: Record<string, string> = {},
): onnxProto.onnx.IStringStringEntryProto[] {
  return Object.entries(metadata)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => ({ key, value }));
}

export interface BuildOptions {
  /** Opset per domain: "" is ai.onnx; e.g. { "": 17, "ai.onnx.ml": 3 }. */
  opsets?: Record<string, number>;
  /** Stored in metadata_props; the model card goes here (see card.ts). */
  metadata?: Record<string, string>;
  docString?: string;
  producerVersion?: string;
}

/**
 * Builds an ONNX model by hand: inputs, initializers, nodes with typed attributes, outputs.
 * Names are generated deterministically, so the same calls give the same bytes.
 */
export class GraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly inputs: TensorSpec[] = [];
  private readonly outputs: TensorSpec[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(readonly name: string) {}

  private claim(name: string): string {
    if (this.names.has(name)) throw new OnnxError("ONNX_GRAPH", `duplicate tensor name "${name}"`);
    this.names.add(name);
    return name;
  }

  private fresh(prefix: string): string {
    let name: string;
    do name = `${prefix}_${this.counter++}`;
    while (this.names.has(name));
    return this.claim(name);
  }

  input(spec: TensorSpec): string {
    this.inputs.push(spec);
    return this.claim(spec.name);
  }

  /** A constant tensor; returns its name. */
  initializer(data: TensorData, name?: string): string {
    const tensorName = name ? this.claim(name) : this.fresh("const");
    this.initializers.push(tensorProto(tensorName, data));
    return tensorName;
  }

  /** Adds a node; returns its output names (`outputs` fresh names unless given). */
  node(
    opType: string,
    inputs: string[],
    attributes: Record<string, AttrValue> = {},
    options: { outputs?: number | string[]; domain?: string } = {},
  ): string[] {
    for (const input of inputs) {
      if (input !== "" && !this.names.has(input)) {
        throw new OnnxError(
          "ONNX_GRAPH",
          `${opType} reads "${input}", which no input, initializer or node defines`,
        );
      }
    }
    const outputs = Array.isArray(options.outputs)
      ? options.outputs.map((n) => this.claim(n))
      : Array.from({ length: options.outputs ?? 1 }, () => this.fresh(opType.toLowerCase()));
    this.nodes.push({
      opType,
      domain: options.domain ?? "",
      name: `${opType}_${this.nodes.length}`,
      input: inputs,
      output: outputs,
      attribute: Object.entries(attributes).map(([key, value]) => attributeProto(key, value)),
    });
    return outputs;
  }

  /** Shorthand for a one-output node. */
  op(opType: string, inputs: string[], attributes: Record<string, AttrValue> = {}, domain?: string): string {
    return this.node(opType, inputs, attributes, { domain })[0]!;
  }

  /** Declares a graph output, renaming the tensor `from` to `spec.name` with an Identity node. */
  output(spec: TensorSpec, from: string): void {
    this.node("Identity", [from], {}, { outputs: [spec.name] });
    this.outputs.push(spec);
  }

  build(options: BuildOptions = {}): Uint8Array {
    if (this.outputs.length === 0) throw new OnnxError("ONNX_GRAPH", "the graph has no outputs");
    const opsets = options.opsets ?? { "": 17 };
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: "lockstep",
      producerVersion: options.producerVersion ?? "0.1",
      docString: options.docString ?? "",
      opsetImport: opsetImports(opsets),
      metadataProps: metadataProps(options.metadata),
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs.map(valueInfo),
        output: this.outputs.map(valueInfo),
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
