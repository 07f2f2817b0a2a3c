import onnxProto from "onnx-proto";
import { OnnxError } from "./errors.js";
import { attr, metadataProps, opsetImports, type GraphBuilder } from "./graph.js";
import { decodeModel } from "./card.js";

const { onnx } = onnxProto;

/** (x - mean) / std per feature along the last axis. */
export function standardize(g: GraphBuilder, x: string, mean: number[], std: number[]): string {
  if (mean.length !== std.length || std.some((s) => !(s > 0)))
    throw new OnnxError("ONNX_GRAPH", "standardize needs equal-length mean and positive std");
  const m = g.initializer({ type: "float32", dims: [mean.length], values: mean });
  const s = g.initializer({ type: "float32", dims: [std.length], values: std });
  return g.op("Div", [g.op("Sub", [x, m]), s]);
}

/** (x - min) / (max - min) per feature along the last axis (a constant feature maps to 0). */
export function minMaxScale(g: GraphBuilder, x: string, min: number[], max: number[]): string {
  if (min.length !== max.length)
    throw new OnnxError("ONNX_GRAPH", "minMaxScale needs equal-length min and max");
  const m = g.initializer({ type: "float32", dims: [min.length], values: min });
  const scale = g.initializer({
    type: "float32",
    dims: [min.length],
    values: min.map((lo, i) => (max[i]! > lo ? 1 / (max[i]! - lo) : 0)),
  });
  return g.op("Mul", [g.op("Sub", [x, m]), scale]);
}

/**
 * Image normalisation for NCHW float input: x * scale, then (x - mean[c]) / std[c] per channel
 * (e.g. scale 1/255 with the ImageNet mean and std).
 */
export function normalizeImage(
  g: GraphBuilder,
  x: string,
  options: { scale?: number; mean: number[]; std: number[] },
): string {
  const channels = options.mean.length;
  if (options.std.length !== channels || options.std.some((s) => !(s > 0))) {
    throw new OnnxError("ONNX_GRAPH", "normalizeImage needs a positive std per channel");
  }
  const scale = options.scale ?? 1;
  // one Mul and one Add: x * (scale / std) + (-mean / std)
  const mul = g.initializer({
    type: "float32",
    dims: [1, channels, 1, 1],
    values: options.std.map((s) => scale / s),
  });
  const add = g.initializer({
    type: "float32",
    dims: [1, channels, 1, 1],
    values: options.mean.map((m, c) => -m / options.std[c]!),
  });
  return g.op("Add", [g.op("Mul", [x, mul]), add]);
}

export function softmax(g: GraphBuilder, logits: string, axis = -1): string {
  return g.op("Softmax", [logits], { axis: attr.int(axis) });
}

/** The k largest values along the last axis and their indices (int64), largest first. */
export function topK(g: GraphBuilder, x: string, k: number): { values: string; indices: string } {
  if (!Number.isInteger(k) || k < 1) throw new OnnxError("ONNX_GRAPH", `top-k needs k >= 1, got ${k}`);
  const kTensor = g.initializer({ type: "int64", dims: [1], values: [k] });
  const [values, indices] = g.node(
    "TopK",
    [x, kTensor],
    { axis: attr.int(-1), largest: attr.int(1), sorted: attr.int(1) },
    { outputs: 2 },
  );
  return { values: values!, indices: indices! };
}

export interface ComposeOptions {
  /** Which output of the first model feeds which input of the second. */
  connect: Record<string, string>;
  /** Prefix for the second model's tensor and node names, to keep them apart (default "head/"). */
  prefix?: string;
  /** Outputs of the first model to keep as outputs of the composed model too. */
  keepOutputs?: string[];
  /** Names for the second model's outputs in the composed model (default: prefixed like the rest). */
  outputNames?: Record<string, string>;
  metadata?: Record<string, string>;
}

/**
 * Composes two ONNX models into one: `first`'s outputs feed `second`'s inputs as `connect` says
 * (e.g. a frozen backbone's pooled features into a trained head). Inputs of `second` that are not
 * connected stay graph inputs; opsets are merged (highest version per domain), so the first
 * model must use no operator whose meaning changed between the two versions.
 */
export function composeModels(first: Uint8Array, second: Uint8Array, options: ComposeOptions): Uint8Array {
  const a = decodeModel(first);
  const b = decodeModel(second);
  if (!a.graph || !b.graph) throw new OnnxError("ONNX_GRAPH", "both models need a graph");
  // decoded messages are class instances whose repeated fields default to []
  const ga = a.graph as onnxProto.onnx.GraphProto;
  const gb = b.graph as onnxProto.onnx.GraphProto;
  const prefix = options.prefix ?? "head/";
  const aOutputs = new Set(ga.output.map((o) => o.name!));
  const bInputs = new Set(gb.input.map((i) => i.name!));
  for (const [from, to] of Object.entries(options.connect)) {
    if (!aOutputs.has(from)) throw new OnnxError("ONNX_GRAPH", `the first model has no output "${from}"`);
    if (!bInputs.has(to)) throw new OnnxError("ONNX_GRAPH", `the second model has no input "${to}"`);
  }
  const fed = new Map(Object.entries(options.connect).map(([from, to]) => [to, from]));
  const outputNames = new Map(Object.entries(options.outputNames ?? {}));
  const rename = (name: string) =>
    name === "" ? "" : (fed.get(name) ?? outputNames.get(name) ?? `${prefix}${name}`);
  const nodes = [
    ...ga.node,
    ...gb.node.map((n) => ({
      ...n,
      name: `${prefix}${n.name ?? ""}`,
      input: (n.input ?? []).map(rename),
      output: (n.output ?? []).map(rename),
    })),
  ];
  const initializers = [...ga.initializer, ...gb.initializer.map((t) => ({ ...t, name: rename(t.name!) }))];
  const inputs = [
    ...ga.input,
    ...gb.input.filter((i) => !fed.has(i.name!)).map((i) => ({ ...i, name: rename(i.name!) })),
  ];
  const keep = new Set(options.keepOutputs ?? []);
  const outputs = [
    ...ga.output.filter((o) => keep.has(o.name!)),
    ...gb.output.map((o) => ({ ...o, name: rename(o.name!) })),
  ];
  const opsets: Record<string, number> = {};
  for (const o of [...a.opsetImport, ...b.opsetImport]) {
    const domain = o.domain ?? "";
    opsets[domain] = Math.max(opsets[domain] ?? 0, Number(o.version));
  }
  const model = onnx.ModelProto.create({
    irVersion: Math.max(Number(a.irVersion), Number(b.irVersion)),
    producerName: "lockstep",
    opsetImport: opsetImports(opsets),
    metadataProps: metadataProps(options.metadata),
    graph: {
      name: `${ga.name}+${gb.name}`,
      node: nodes,
      initializer: initializers,
      input: inputs,
      output: outputs,
      valueInfo: [...ga.valueInfo],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** The same model with its metadata_props (e.g. the model card) and doc string replaced. */
export function withMetadata(
  model: Uint8Array,
  metadata: Record<string, string>,
  docString?: string,
): Uint8Array {
  const decoded = decodeModel(model);
  decoded.metadataProps = metadataProps(metadata);
  if (docString !== undefined) decoded.docString = docString;
  return onnx.ModelProto.encode(decoded).finish();
}
