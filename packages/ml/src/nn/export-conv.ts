import type * as tf from "@tensorflow/tfjs";
import { attr, OnnxError, type AttrValue, type GraphBuilder } from "@lockstep/onnx";
import { weightsOf, type LayerConfig, type Weight } from "./export-weights.js";

/** ONNX convolution and pooling ops are channels-first: every function here takes and returns NCHW. */

const pair = (v: unknown): [number, number] =>
  Array.isArray(v) ? [v[0] as number, v[1] as number] : [v as number, v as number];

function requireChannelsLast(layer: tf.layers.Layer, config: LayerConfig) {
  if (config.dataFormat !== undefined && config.dataFormat !== "channelsLast") {
    throw new OnnxError("ONNX_GRAPH", `layer "${layer.name}": only dataFormat channelsLast is supported`);
  }
}

interface Window {
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
}

/**
 * TF "same" padding puts the odd pixel at the end. With the spatial size known it becomes explicit
 * pads (ORT rejects auto_pad with dilation); unknown sizes use SAME_UPPER, the same rule.
 */
function padding(
  layer: tf.layers.Layer,
  config: LayerConfig,
  w: Window,
  spatial: (number | null)[],
): Record<string, AttrValue> {
  if (config.padding === "valid") return { pads: attr.ints([0, 0, 0, 0]) };
  if (config.padding !== "same") {
    throw new OnnxError(
      "ONNX_GRAPH",
      `layer "${layer.name}": padding "${String(config.padding)}" is not supported`,
    );
  }
  if (spatial.some((d) => d == null)) {
    if (w.dilations.some((d) => d !== 1)) {
      throw new OnnxError(
        "ONNX_GRAPH",
        `layer "${layer.name}": "same" padding with dilation needs a known input size`,
      );
    }
    return { auto_pad: attr.string("SAME_UPPER") };
  }
  const begin: number[] = [];
  const end: number[] = [];
  spatial.forEach((size, i) => {
    const extent = (w.kernel[i]! - 1) * w.dilations[i]! + 1;
    const total = Math.max((Math.ceil(size! / w.strides[i]!) - 1) * w.strides[i]! + extent - size!, 0);
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  });
  return { pads: attr.ints([...begin, ...end]) };
}

/** The layer's input height and width (null when dynamic). */
const spatialOf = (layer: tf.layers.Layer): (number | null)[] => {
  const shape = layer.inboundNodes[0]!.inputTensors[0]!.shape;
  return [shape[1] ?? null, shape[2] ?? null];
};

/** tfjs [kH, kW, C, M] -> ONNX [M, C, kH, kW]. */
function convWeight(kernel: Weight): number[] {
  const [kH, kW, c, m] = kernel.shape as [number, number, number, number];
  const out = new Array<number>(kernel.values.length);
  for (let h = 0; h < kH; h++)
    for (let w = 0; w < kW; w++)
      for (let i = 0; i < c; i++)
        for (let o = 0; o < m; o++)
          out[((o * c + i) * kH + h) * kW + w] = kernel.values[((h * kW + w) * c + i) * m + o]!;
  return out;
}

/** tfjs depthwise [kH, kW, C, M] -> ONNX grouped conv [C*M, 1, kH, kW] (output channel c*M + m). */
function depthwiseWeight(kernel: Weight): number[] {
  const [kH, kW, c, m] = kernel.shape as [number, number, number, number];
  const out = new Array<number>(kernel.values.length);
  for (let h = 0; h < kH; h++)
    for (let w = 0; w < kW; w++)
      for (let i = 0; i < c; i++)
        for (let k = 0; k < m; k++)
          out[((i * m + k) * kH + h) * kW + w] = kernel.values[((h * kW + w) * c + i) * m + k]!;
  return out;
}

export function conv2d(g: GraphBuilder, x: string, layer: tf.layers.Layer, config: LayerConfig): string {
  requireChannelsLast(layer, config);
  const depthwise = layer.getClassName() === "DepthwiseConv2D";
  const [kernel, bias] = weightsOf(layer);
  const [kH, kW, c, m] = kernel!.shape as [number, number, number, number];
  const outChannels = depthwise ? c * m : m;
  const W = g.initializer({
    type: "float32",
    dims: depthwise ? [outChannels, 1, kH, kW] : [m, c, kH, kW],
    values: depthwise ? depthwiseWeight(kernel!) : convWeight(kernel!),
  });
  const inputs = [x, W];
  if (bias) inputs.push(g.initializer({ type: "float32", dims: [outChannels], values: bias.values }));
  const w: Window = {
    kernel: [kH, kW],
    strides: pair(config.strides ?? 1),
    dilations: pair(config.dilationRate ?? 1),
  };
  return g.op("Conv", inputs, {
    kernel_shape: attr.ints(w.kernel),
    strides: attr.ints(w.strides),
    dilations: attr.ints(w.dilations),
    group: attr.int(depthwise ? c : 1),
    ...padding(layer, config, w, spatialOf(layer)),
  });
}

export function pool2d(g: GraphBuilder, x: string, layer: tf.layers.Layer, config: LayerConfig): string {
  requireChannelsLast(layer, config);
  const size = pair(config.poolSize ?? 2);
  const op = layer.getClassName() === "MaxPooling2D" ? "MaxPool" : "AveragePool";
  // TF average pooling with "same" divides by the real pixels only: ONNX count_include_pad = 0
  const w: Window = { kernel: size, strides: pair(config.strides ?? size), dilations: [1, 1] };
  return g.op(op, [x], {
    kernel_shape: attr.ints(w.kernel),
    strides: attr.ints(w.strides),
    ...padding(layer, config, w, spatialOf(layer)),
  });
}

export function globalPool2d(
  g: GraphBuilder,
  x: string,
  layer: tf.layers.Layer,
  config: LayerConfig,
): string {
  requireChannelsLast(layer, config);
  const op = layer.getClassName() === "GlobalMaxPooling2D" ? "GlobalMaxPool" : "GlobalAveragePool";
  return g.op("Flatten", [g.op(op, [x])], { axis: attr.int(1) });
}

/**
 * Inference-mode batch normalisation folded into one scale and shift per channel, shaped to
 * broadcast over the channel axis of the tensor it applies to.
 */
export function batchNorm(
  g: GraphBuilder,
  x: string,
  layer: tf.layers.Layer,
  config: LayerConfig,
  channelShape: (channels: number) => number[],
): string {
  const weights = weightsOf(layer);
  const gamma = config.scale === false ? undefined : weights.shift();
  const beta = config.center === false ? undefined : weights.shift();
  const [mean, variance] = weights as [Weight, Weight];
  const epsilon = (config.epsilon as number | undefined) ?? 1e-3;
  const channels = mean.values.length;
  const scale = new Array<number>(channels);
  const shift = new Array<number>(channels);
  for (let c = 0; c < channels; c++) {
    scale[c] = (gamma?.values[c] ?? 1) / Math.sqrt(variance.values[c]! + epsilon);
    shift[c] = (beta?.values[c] ?? 0) - mean.values[c]! * scale[c]!;
  }
  const dims = channelShape(channels);
  const scaled = g.op("Mul", [x, g.initializer({ type: "float32", dims, values: scale })]);
  return g.op("Add", [scaled, g.initializer({ type: "float32", dims, values: shift })]);
}
