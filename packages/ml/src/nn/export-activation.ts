import { attr, OnnxError, type GraphBuilder } from "@lockstep/onnx";

/** Applies a Keras/tfjs activation by name. */
export function activation(g: GraphBuilder, x: string, name: string, layer: string): string {
  switch (name) {
    case "linear":
      return x;
    case "relu":
      return g.op("Relu", [x]);
    case "relu6": {
      const lo = g.initializer({ type: "float32", dims: [], values: [0] });
      const hi = g.initializer({ type: "float32", dims: [], values: [6] });
      return g.op("Clip", [x, lo, hi]);
    }
    case "elu":
      return g.op("Elu", [x], { alpha: attr.float(1) });
    case "selu":
      return g.op("Selu", [x], {
        alpha: attr.float(1.6732632423543772),
        gamma: attr.float(1.0507009873554805),
      });
    case "sigmoid":
      return g.op("Sigmoid", [x]);
    case "hardSigmoid":
      return g.op("HardSigmoid", [x], { alpha: attr.float(0.2), beta: attr.float(0.5) });
    case "tanh":
      return g.op("Tanh", [x]);
    case "softmax":
      return g.op("Softmax", [x], { axis: attr.int(-1) });
    case "softplus":
      return g.op("Softplus", [x]);
    case "softsign":
      return g.op("Softsign", [x]);
    case "swish":
    case "silu":
      return g.op("Mul", [x, g.op("Sigmoid", [x])]);
    default:
      throw new OnnxError(
        "ONNX_GRAPH",
        `layer "${layer}": activation "${name}" is not supported by the ONNX exporter`,
      );
  }
}
