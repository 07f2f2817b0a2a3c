import type * as tf from "@tensorflow/tfjs";
import { attr, GraphBuilder, OnnxError, type BuildOptions, type Dim } from "@lockstep/onnx";

type LayerConfig = Record<string, unknown>;

const weightsOf = (layer: tf.layers.Layer) =>
  layer.getWeights().map((w) => ({ shape: w.shape, values: Array.from(w.dataSync()) }));

/** Applies a Keras/tfjs activation by name. */
function activation(g: GraphBuilder, x: string, name: string, layer: string): string {
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

function recurrent(
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

function layerToOnnx(g: GraphBuilder, x: string, layer: tf.layers.Layer): string {
  const className = layer.getClassName();
  const config = layer.getConfig() as LayerConfig;
  switch (className) {
    case "Dense": {
      const [kernel, bias] = weightsOf(layer);
      let y = g.op("MatMul", [
        x,
        g.initializer({ type: "float32", dims: kernel!.shape, values: kernel!.values }),
      ]);
      if (bias)
        y = g.op("Add", [y, g.initializer({ type: "float32", dims: bias.shape, values: bias.values })]);
      return activation(g, y, config.activation as string, layer.name);
    }
    case "Activation":
      return activation(g, x, config.activation as string, layer.name);
    case "Dropout":
    case "InputLayer":
      return x;
    case "Flatten": {
      const shape = g.initializer({ type: "int64", dims: [2], values: [0, -1] });
      return g.op("Reshape", [x, shape]);
    }
    case "Reshape": {
      const target = config.targetShape as number[];
      const shape = g.initializer({ type: "int64", dims: [target.length + 1], values: [0, ...target] });
      return g.op("Reshape", [x, shape]);
    }
    case "LSTM":
    case "GRU":
      return recurrent(g, x, layer, config, className);
    default:
      throw new OnnxError(
        "ONNX_GRAPH",
        `layer "${layer.name}" (${className}) is not supported by the ONNX exporter`,
      );
  }
}

export interface LayersExportOptions extends BuildOptions {
  inputName?: string;
  outputName?: string;
}

/** Exports a tfjs Sequential model to ONNX: input [batch, ...] float32 -> output [batch, ...]. */
export function exportSequential(
  model: tf.Sequential | tf.LayersModel,
  options: LayersExportOptions = {},
): Uint8Array {
  const inputShape = model.inputs[0]!.shape;
  const outputShape = model.outputs[0]!.shape;
  const dims = (shape: (number | null)[]): Dim[] => shape.map((d, i) => (i === 0 ? "batch" : (d ?? `d${i}`)));
  const g = new GraphBuilder(model.name.replace(/[^\w]/g, "_"));
  let x = g.input({ name: options.inputName ?? "input", type: "float32", shape: dims(inputShape) });
  for (const layer of model.layers) x = layerToOnnx(g, x, layer);
  g.output({ name: options.outputName ?? "output", type: "float32", shape: dims(outputShape) }, x);
  return g.build({ ...options, opsets: { "": 17, ...options.opsets } });
}
