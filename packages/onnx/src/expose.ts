import onnxProto from "onnx-proto";
import { decodeModel } from "./card.js";
import { OnnxError } from "./errors.js";

const { onnx } = onnxProto;

export interface ExposedFeatures {
  /** The model with one extra float output, `outputName`. */
  model: Uint8Array;
  /** The tensor that was exposed (before dequantisation). */
  tensor: string;
  quantized: boolean;
}

const CLASSIFIERS = new Set(["Gemm", "MatMul", "QLinearMatMul", "MatMulInteger", "QGemm"]);
const PASS_THROUGH = new Set([
  "DequantizeLinear",
  "QuantizeLinear",
  "Add",
  "QLinearAdd",
  "Softmax",
  "Identity",
  "Flatten",
]);

/**
 * Exposes a backbone's pooled features as an extra float output: the tensor given by name, or found
 * by walking back from the first output through bias/softmax/dequantise nodes to the classifier
 * (Gemm, MatMul or their quantised forms) and taking its input. A quantised tensor (an input of
 * QLinearMatMul) is dequantised with its own scale and zero point. The original nodes and opsets are
 * kept, so the result runs exactly as the backbone did.
 */
export function exposeFeatures(
  backbone: Uint8Array,
  options: { tensor?: string; outputName?: string } = {},
): ExposedFeatures {
  const model = decodeModel(backbone) as onnxProto.onnx.ModelProto;
  const graph = model.graph as onnxProto.onnx.GraphProto | null;
  if (!graph || graph.output.length === 0)
    throw new OnnxError("ONNX_GRAPH", "the backbone has no graph outputs");
  const producer = new Map<string, onnxProto.onnx.INodeProto>();
  for (const node of graph.node) for (const out of node.output ?? []) producer.set(out, node);
  const consumers = (name: string) => graph.node.filter((n) => (n.input ?? []).includes(name));

  let tensor = options.tensor;
  if (!tensor) {
    let node = producer.get(graph.output[0]!.name!);
    for (let steps = 0; node && PASS_THROUGH.has(node.opType!) && steps < 10; steps++)
      node = producer.get(node.input![0]!);
    if (!node || !CLASSIFIERS.has(node.opType!)) {
      throw new OnnxError(
        "ONNX_GRAPH",
        `cannot find the classifier before output "${graph.output[0]!.name}"; name the feature tensor explicitly`,
      );
    }
    tensor = node.input![0]!;
  }
  const known = producer.has(tensor) || graph.input.some((i) => i.name === tensor);
  if (!known) throw new OnnxError("ONNX_GRAPH", `the backbone has no tensor "${tensor}"`);
  const outputName = options.outputName ?? "features";
  const quantizedUse = consumers(tensor).find((n) => n.opType === "QLinearMatMul" && n.input![0] === tensor);
  const extra: onnxProto.onnx.INodeProto[] = [];
  if (quantizedUse) {
    extra.push({
      opType: "DequantizeLinear",
      name: `${outputName}_dequantize`,
      input: [tensor, quantizedUse.input![1]!, quantizedUse.input![2]!],
      output: [outputName],
    });
  } else {
    extra.push({ opType: "Identity", name: `${outputName}_identity`, input: [tensor], output: [outputName] });
  }
  graph.node.push(...extra.map((n) => onnx.NodeProto.create(n)));
  graph.output.push(
    onnx.ValueInfoProto.create({
      name: outputName,
      type: {
        tensorType: {
          elemType: onnx.TensorProto.DataType.FLOAT,
          shape: { dim: [{ dimParam: "batch" }, {}] },
        },
      },
    }),
  );
  return { model: onnx.ModelProto.encode(model).finish(), tensor, quantized: Boolean(quantizedUse) };
}
