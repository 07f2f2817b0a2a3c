import type * as tf from "@tensorflow/tfjs";
import { attr, GraphBuilder, OnnxError, type BuildOptions, type Dim } from "@lockstep/onnx";
import { activation } from "./export-activation.js";
import { batchNorm, conv2d, globalPool2d, pool2d } from "./export-conv.js";
import { recurrent } from "./export-recurrent.js";
import { weightsOf, type LayerConfig } from "./export-weights.js";

/**
 * A tensor of the graph being built. tfjs is channels-last; ONNX convolutions are channels-first.
 * Rank-4 values remember which layout they are in and are transposed only when a layer needs the
 * other one, so a chain of conv/pool/batch-norm layers stays NCHW without a transpose between each.
 */
interface Value {
  name: string;
  rank: number;
  nchw: boolean;
  other?: string;
}

const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];

class LayoutGraph {
  constructor(readonly g: GraphBuilder) {}

  nhwc(v: Value): string {
    if (!v.nchw) return v.name;
    v.other ??= this.g.op("Transpose", [v.name], { perm: attr.ints(TO_NHWC) });
    return v.other;
  }

  nchw(v: Value, layer: tf.layers.Layer): string {
    if (v.rank !== 4) {
      throw new OnnxError("ONNX_GRAPH", `layer "${layer.name}" needs a 4-D input, got rank ${v.rank}`);
    }
    if (v.nchw) return v.name;
    v.other ??= this.g.op("Transpose", [v.name], { perm: attr.ints(TO_NCHW) });
    return v.other;
  }
}

/** Maps a channels-last axis of a rank-r tensor to where it sits in the value's current layout. */
function axisIn(v: Value, axis: number): number {
  const a = axis < 0 ? v.rank + axis : axis;
  return v.nchw ? TO_NCHW.indexOf(a) : a;
}

function mergeLayer(lg: LayoutGraph, inputs: Value[], layer: tf.layers.Layer, config: LayerConfig): Value {
  const className = layer.getClassName();
  const first = inputs[0]!;
  // keep the inputs' layout when they all share one; else fall back to channels-last
  const nchw = inputs.every((v) => v.nchw);
  const names = inputs.map((v) => (nchw ? v.name : lg.nhwc(v)));
  const at = (v: Value) => ({ ...v, nchw });
  const g = lg.g;
  switch (className) {
    case "Concatenate": {
      const axis = axisIn(at(first), (config.axis as number | undefined) ?? -1);
      return { name: g.op("Concat", names, { axis: attr.int(axis) }), rank: first.rank, nchw };
    }
    case "Add":
      return { name: g.op("Sum", names), rank: first.rank, nchw };
    case "Multiply":
      return {
        name: names.slice(1).reduce((acc, n) => g.op("Mul", [acc, n]), names[0]!),
        rank: first.rank,
        nchw,
      };
    case "Average": {
      const n = g.initializer({ type: "float32", dims: [], values: [names.length] });
      return { name: g.op("Div", [g.op("Sum", names), n]), rank: first.rank, nchw };
    }
    case "Maximum":
      return { name: g.op("Max", names), rank: first.rank, nchw };
    default:
      throw new OnnxError(
        "ONNX_GRAPH",
        `layer "${layer.name}" (${className}) is not supported by the ONNX exporter`,
      );
  }
}

function layerToOnnx(lg: LayoutGraph, inputs: Value[], layer: tf.layers.Layer, outRank: number): Value {
  const className = layer.getClassName();
  const config = layer.getConfig() as LayerConfig;
  const g = lg.g;
  if (inputs.length !== 1) return mergeLayer(lg, inputs, layer, config);
  const x = inputs[0]!;
  const nhwc = (name: string): Value => ({ name, rank: outRank, nchw: false });
  const nchw = (name: string): Value => ({ name, rank: outRank, nchw: true });
  switch (className) {
    case "Dense": {
      const [kernel, bias] = weightsOf(layer);
      let y = g.op("MatMul", [
        lg.nhwc(x),
        g.initializer({ type: "float32", dims: kernel!.shape, values: kernel!.values }),
      ]);
      if (bias)
        y = g.op("Add", [y, g.initializer({ type: "float32", dims: bias.shape, values: bias.values })]);
      return nhwc(activation(g, y, config.activation as string, layer.name));
    }
    case "Activation": {
      const name = config.activation as string;
      // softmax normalises over the last channels-last axis; everything else is elementwise
      if (name === "softmax") return nhwc(activation(g, lg.nhwc(x), name, layer.name));
      return { ...x, other: undefined, name: activation(g, x.name, name, layer.name) };
    }
    case "ReLU": {
      if (config.maxValue != null || config.threshold || config.negativeSlope) {
        throw new OnnxError("ONNX_GRAPH", `layer "${layer.name}": ReLU with options is not supported`);
      }
      return { ...x, other: undefined, name: g.op("Relu", [x.name]) };
    }
    case "Dropout":
    case "SpatialDropout1D":
    case "GaussianNoise":
    case "GaussianDropout":
    case "AlphaDropout":
    case "InputLayer":
      return x;
    case "Flatten": {
      const shape = g.initializer({ type: "int64", dims: [2], values: [0, -1] });
      return nhwc(g.op("Reshape", [lg.nhwc(x), shape]));
    }
    case "Reshape": {
      const target = config.targetShape as number[];
      const shape = g.initializer({ type: "int64", dims: [target.length + 1], values: [0, ...target] });
      return nhwc(g.op("Reshape", [lg.nhwc(x), shape]));
    }
    case "LSTM":
    case "GRU":
      return nhwc(recurrent(g, lg.nhwc(x), layer, config, className));
    case "Conv2D":
    case "DepthwiseConv2D": {
      const y = conv2d(g, lg.nchw(x, layer), layer, config);
      return nchw(activation(g, y, (config.activation as string | undefined) ?? "linear", layer.name));
    }
    case "MaxPooling2D":
    case "AveragePooling2D":
      return nchw(pool2d(g, lg.nchw(x, layer), layer, config));
    case "GlobalAveragePooling2D":
    case "GlobalMaxPooling2D":
      return nhwc(globalPool2d(g, lg.nchw(x, layer), layer, config));
    case "BatchNormalization": {
      const axis = axisIn(x, (config.axis as number | undefined) ?? -1);
      const shape = (channels: number) =>
        Array.from({ length: x.rank - 1 }, (_, i) => (i + 1 === axis ? channels : 1));
      return { ...x, other: undefined, name: batchNorm(g, x.name, layer, config, shape) };
    }
    default:
      throw new OnnxError(
        "ONNX_GRAPH",
        `layer "${layer.name}" (${className}) is not supported by the ONNX exporter`,
      );
  }
}

export interface LayersExportOptions extends BuildOptions {
  /** ONNX input names in the order of model.inputs (default "input", or the tfjs names when several). */
  inputNames?: string[];
  /** ONNX output names in the order of model.outputs (default "output", or the tfjs names when several). */
  outputNames?: string[];
  /** Shorthands for a single input/output. */
  inputName?: string;
  outputName?: string;
}

const dims = (shape: (number | null)[]): Dim[] => shape.map((d, i) => (i === 0 ? "batch" : (d ?? `d${i}`)));
const sanitize = (name: string) => name.replace(/[^\w]/g, "_");

/**
 * Exports a tfjs Sequential or functional model (any DAG of supported layers, several inputs and
 * outputs, shared layers) to ONNX. Inputs and outputs keep tfjs's channels-last shapes.
 */
export function exportLayersModel(model: tf.LayersModel, options: LayersExportOptions = {}): Uint8Array {
  const g = new GraphBuilder(sanitize(model.name));
  const lg = new LayoutGraph(g);
  const values = new Map<number, Value>();
  const single = model.inputs.length === 1;
  model.inputs.forEach((input, i) => {
    const name =
      options.inputNames?.[i] ??
      (single ? (options.inputName ?? "input") : sanitize(input.name.replace(/\/.*$/, "")));
    const spec = { name, type: "float32" as const, shape: dims(input.shape) };
    values.set(input.id, { name: g.input(spec), rank: input.shape.length, nchw: false });
  });
  for (const layer of model.layers) {
    if (layer.getClassName() === "InputLayer") continue;
    if ("layers" in layer) {
      throw new OnnxError(
        "ONNX_GRAPH",
        `layer "${layer.name}" is a nested model, which the exporter does not flatten`,
      );
    }
    for (const node of layer.inboundNodes) {
      const inputs = node.inputTensors.map((t) => values.get(t.id));
      // a shared layer may also be called outside this model: only its calls inside are exported
      if (inputs.some((v) => v === undefined)) continue;
      if (node.outputTensors.length !== 1) {
        throw new OnnxError(
          "ONNX_GRAPH",
          `layer "${layer.name}" has several outputs, which is not supported`,
        );
      }
      const out = node.outputTensors[0]!;
      values.set(out.id, layerToOnnx(lg, inputs as Value[], layer, out.shape.length));
    }
  }
  const singleOut = model.outputs.length === 1;
  model.outputs.forEach((output, i) => {
    const value = values.get(output.id);
    if (!value)
      throw new OnnxError("ONNX_GRAPH", `model output "${output.name}" is not reachable from its inputs`);
    const name =
      options.outputNames?.[i] ??
      (singleOut ? (options.outputName ?? "output") : sanitize(output.name.replace(/\/.*$/, "")));
    g.output({ name, type: "float32", shape: dims(output.shape) }, lg.nhwc(value));
  });
  return g.build({ ...options, opsets: { "": 17, ...options.opsets } });
}
