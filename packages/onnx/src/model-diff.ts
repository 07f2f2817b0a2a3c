import { createHash } from "node:crypto";
import onnxProto from "onnx-proto";
import { decodeModel } from "./card.js";

type Model = onnxProto.onnx.ModelProto;
type Graph = onnxProto.onnx.IGraphProto;
type Tensor = onnxProto.onnx.ITensorProto;

const { onnx } = onnxProto;

/** A canonical text of any protobuf message (for comparing parts that have no finer structure here). */
const text = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v instanceof Uint8Array ? Buffer.from(v).toString("base64") : (v as object),
  );

const digest = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex").slice(0, 12);

function tensorBytes(tensor: Tensor): Uint8Array {
  return onnx.TensorProto.encode(onnx.TensorProto.fromObject(tensor)).finish();
}

function graphDifference(a: Graph, b: Graph, at: string): string | undefined {
  if ((a.name ?? "") !== (b.name ?? "")) return `${at}name: "${a.name}" vs "${b.name}"`;
  for (const part of ["input", "output"] as const) {
    const left = a[part] ?? [];
    const right = b[part] ?? [];
    if (left.length !== right.length) return `${at}${part}s: ${left.length} vs ${right.length}`;
    for (const [i, value] of left.entries())
      if (text(value) !== text(right[i])) return `${at}${part} ${i} ("${value.name}")`;
  }
  const nodes = [a.node ?? [], b.node ?? []] as const;
  if (nodes[0].length !== nodes[1].length) return `${at}nodes: ${nodes[0].length} vs ${nodes[1].length}`;
  for (const [i, node] of nodes[0].entries()) {
    const other = nodes[1][i]!;
    const label = `${at}node ${i} (${node.opType}${node.name ? ` "${node.name}"` : ""})`;
    if (node.opType !== other.opType) return `${label}: op ${node.opType} vs ${other.opType}`;
    for (const attribute of node.attribute ?? []) {
      const match = (other.attribute ?? []).find((x) => x.name === attribute.name);
      // a subgraph (If, Loop, Scan) is searched first, so the difference is named inside it
      if (attribute.g && match?.g) {
        const inner = graphDifference(attribute.g, match.g, `${label} attribute "${attribute.name}" `);
        if (inner) return inner;
      }
      if (!match || text(match) !== text(attribute)) return `${label} attribute "${attribute.name}"`;
    }
    if (text(node) !== text(other)) return label;
  }
  const initializers = [a.initializer ?? [], b.initializer ?? []] as const;
  const byName = new Map(initializers[1].map((t) => [t.name ?? "", t]));
  for (const tensor of initializers[0]) {
    const other = byName.get(tensor.name ?? "");
    if (!other) return `${at}initializer "${tensor.name}": only in the first`;
    const [x, y] = [tensorBytes(tensor), tensorBytes(other)];
    if (Buffer.compare(x, y) !== 0)
      return `${at}initializer "${tensor.name}": values differ (${digest(x)} vs ${digest(y)})`;
    byName.delete(tensor.name ?? "");
  }
  const extra = [...byName.keys()][0];
  if (extra !== undefined) return `${at}initializer "${extra}": only in the second`;
  if (text({ ...a, node: [], initializer: [] }) !== text({ ...b, node: [], initializer: [] }))
    return `${at}graph fields (value_info, doc_string or sparse initializers)`;
  return undefined;
}

function metadataDifference(a: Model, b: Model): string | undefined {
  const left = new Map(a.metadataProps.map((p) => [p.key ?? "", p.value ?? ""]));
  const right = new Map(b.metadataProps.map((p) => [p.key ?? "", p.value ?? ""]));
  for (const [key, value] of left) {
    if (!right.has(key)) return `metadata key "${key}": only in the first`;
    if (right.get(key) !== value) return `metadata key "${key}": values differ`;
  }
  for (const key of right.keys()) if (!left.has(key)) return `metadata key "${key}": only in the second`;
  const order = (m: Model) => m.metadataProps.map((p) => p.key).join("\n");
  if (order(a) !== order(b)) return "metadata keys: same entries in another order";
  return undefined;
}

/**
 * The first part in which two ONNX models differ, named for a person ("initializer \"w\"",
 * "metadata key \"x\"", "node 3 (MatMul)"); undefined when their bytes are the same. Header
 * fields come first, then the graph (inputs, outputs, nodes, initializers), then the metadata.
 */
export function firstModelDifference(first: Uint8Array, second: Uint8Array): string | undefined {
  if (Buffer.compare(Buffer.from(first), Buffer.from(second)) === 0) return undefined;
  let a: Model;
  let b: Model;
  try {
    a = decodeModel(first);
  } catch {
    return "the first is not an ONNX model";
  }
  try {
    b = decodeModel(second);
  } catch {
    return "the second is not an ONNX model";
  }
  for (const field of ["irVersion", "producerName", "producerVersion", "domain", "modelVersion"] as const)
    if (text(a[field]) !== text(b[field])) return `${field}: ${text(a[field])} vs ${text(b[field])}`;
  if (text(a.opsetImport) !== text(b.opsetImport)) return "opset imports";
  const graph = graphDifference(a.graph ?? {}, b.graph ?? {}, "graph ");
  if (graph) return graph;
  if (text(a.functions) !== text(b.functions)) return "local functions";
  const metadata = metadataDifference(a, b);
  if (metadata) return metadata;
  if ((a.docString ?? "") !== (b.docString ?? "")) return "doc_string";
  return "the encoding (the same fields, other bytes)";
}
