import type * as tf from "@tensorflow/tfjs";
import { attr, OnnxError, type GraphBuilder } from "@lockstep/onnx";
import { weightsOf, type LayerConfig } from "./export-weights.js";

const ONNX_RECURRENT: Record<string, string> = {
  sigmoid: "Sigmoid",
  hardSigmoid: "HardSigmoid",
  tanh: "Tanh",
  relu: "Relu",
};

/** Reorders tfjs gate blocks (columns of [rows, gates*units]) into ONNX's [gates*units, rows] layout. */
function gateMatrix(values: number[], rows: number, units: number, order: number[]): number[] {
  const gates = order.length;
  const out: number[] = [];
  for (const gate of order) {
    for (let u = 0; u < units; u++) {
      for (let r = 0; r < rows; r++) out.push(values[r * gates * units + gate * units + u]!);
    }
  }
  return out;
}

export function recurrent(
  g: GraphBuilder,
  x: string,
  layer: tf.layers.Layer,
  config: LayerConfig,
  kind: "LSTM" | "GRU",
): string {
  const units = config.units as number;
  const name = layer.name;
  const act = config.activation as string;
  const rec = config.recurrentActivation as string;
  if (!ONNX_RECURRENT[rec] || !ONNX_RECURRENT[act]) {
    throw new OnnxError("ONNX_GRAPH", `layer "${name}": ${kind} activations ${rec}/${act} are not supported`);
  }
  if (config.goBackwards || config.stateful)
    throw new OnnxError("ONNX_GRAPH", `layer "${name}": goBackwards/stateful ${kind} is not supported`);
  const [kernel, recurrentKernel, bias] = weightsOf(layer);
  const inputSize = kernel!.shape[0]!;
  // tfjs gate order: LSTM i,f,c,o -> ONNX i,o,f,c; GRU z,r,h -> ONNX z,r,h
  const order = kind === "LSTM" ? [0, 3, 1, 2] : [0, 1, 2];
  const gates = order.length;
  if (kind === "GRU" && config.resetAfter) {
    throw new OnnxError(
      "ONNX_GRAPH",
      `layer "${name}": GRU with resetAfter is not supported (tfjs default is false)`,
    );
  }
  const W = g.initializer({
    type: "float32",
    dims: [1, gates * units, inputSize],
    values: gateMatrix(kernel!.values, inputSize, units, order),
  });
  const R = g.initializer({
    type: "float32",
    dims: [1, gates * units, units],
    values: gateMatrix(recurrentKernel!.values, units, units, order),
  });
  const biasValues = bias
    ? order.flatMap((gate) => bias.values.slice(gate * units, (gate + 1) * units))
    : new Array<number>(gates * units).fill(0);
  const B = g.initializer({
    type: "float32",
    dims: [1, 2 * gates * units],
    values: [...biasValues, ...new Array<number>(gates * units).fill(0)],
  });
  // ONNX recurrent ops are sequence-major (layout=1 is unsupported in ORT): transpose in the graph
  const sequenceMajor = g.op("Transpose", [x], { perm: attr.ints([1, 0, 2]) });
  const activations =
    kind === "LSTM"
      ? [ONNX_RECURRENT[rec]!, ONNX_RECURRENT[act]!, ONNX_RECURRENT[act]!]
      : [ONNX_RECURRENT[rec]!, ONNX_RECURRENT[act]!];
  const hardSigmoid = rec === "hardSigmoid";
  const [y, yH] = g.node(
    kind,
    [sequenceMajor, W, R, B],
    {
      hidden_size: attr.int(units),
      activations: attr.strings(activations),
      ...(hardSigmoid
        ? {
            activation_alpha: attr.floats(activations.map(() => 0.2)),
            activation_beta: attr.floats(activations.map(() => 0.5)),
          }
        : {}),
      ...(kind === "GRU" ? { linear_before_reset: attr.int(0) } : {}),
    },
    { outputs: 2 },
  );
  if (config.returnSequences) {
    const axes = g.initializer({ type: "int64", dims: [1], values: [1] });
    return g.op("Transpose", [g.op("Squeeze", [y!, axes])], { perm: attr.ints([1, 0, 2]) });
  }
  const axes = g.initializer({ type: "int64", dims: [1], values: [0] });
  return g.op("Squeeze", [yH!, axes]);
}
