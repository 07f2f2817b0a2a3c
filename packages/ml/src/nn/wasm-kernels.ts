import * as tf from "@tensorflow/tfjs";
import { simdBatchMatMul } from "./wasm-matmul.js";

/**
 * Gradient kernels the tfjs wasm backend lacks (tfjs 4.22): without them a Conv2D or
 * DepthwiseConv2D layer cannot train on wasm. A faster Conv2DBackpropInput replaces wasm's own, and
 * BatchMatMul's scalar loop gives way to a SIMD one with the same bits (wasm-matmul.ts). Conv2DBackpropFilter is itself a convolution
 * (input channels as the batch, the batch as channels, dy as the filter, strides as dilations), so
 * it runs on wasm's own XNNPACK Conv2D; the depthwise gradients are cheap and run as plain loops.
 */

type Info = tf.TensorInfo;
interface WasmBackend {
  readSync(dataId: object): tf.backend_util.TypedArray;
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  typedArrayFromHeap(info: Info): tf.backend_util.TypedArray;
  disposeData(dataId: object): boolean;
}
interface KernelArgs {
  inputs: Record<string, Info>;
  attrs?: Record<string, unknown>;
  backend: unknown;
}
interface ConvAttrs {
  strides: number | [number, number];
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat?: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  dilations?: number | [number, number];
}

function wasmKernel(name: string) {
  const kernel = tf.getKernel(name, "wasm");
  if (!kernel) throw new Error(`tfjs wasm backend has no ${name} kernel`);
  return (inputs: Record<string, Info>, attrs: Record<string, unknown>, backend: WasmBackend): Info =>
    kernel.kernelFunc({ inputs, attrs: attrs as tf.NamedAttrMap, backend: backend as never }) as Info;
}

function requireNhwc(kernel: string, attrs: ConvAttrs) {
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== "NHWC")
    throw new Error(`${kernel} on wasm supports NHWC only`);
}

function conv2DBackpropFilter({ inputs, attrs, backend }: KernelArgs): Info {
  const { x, dy } = inputs as { x: Info; dy: Info };
  const a = attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
  requireNhwc("Conv2DBackpropFilter", a);
  const b = backend as WasmBackend;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    a.filterShape,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  const transpose = wasmKernel("Transpose");
  const conv = wasmKernel("Conv2D");
  const slice = wasmKernel("Slice");
  const { top, bottom, left, right } = info.padInfo;
  // [Cin, H, W, N] convolved with [oH, oW, N, Cout] at dilation = stride gives [Cin, >=fH, >=fW, Cout]
  const xT = transpose({ x }, { perm: [3, 1, 2, 0] }, b);
  const dyT = transpose({ x: dy }, { perm: [1, 2, 0, 3] }, b);
  const grad = conv(
    { x: xT, filter: dyT },
    {
      strides: 1,
      dilations: [info.strideHeight, info.strideWidth],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dataFormat: "NHWC",
    },
    b,
  );
  b.disposeData(xT.dataId);
  b.disposeData(dyT.dataId);
  const [fH, fW, cIn, cOut] = a.filterShape;
  let cropped = grad;
  if (grad.shape[1] !== fH || grad.shape[2] !== fW) {
    cropped = slice({ x: grad }, { begin: [0, 0, 0, 0], size: [cIn, fH, fW, cOut] }, b);
    b.disposeData(grad.dataId);
  }
  const out = transpose({ x: cropped }, { perm: [1, 2, 0, 3] }, b);
  b.disposeData(cropped.dataId);
  return out;
}

/**
 * dx of a stride-1 convolution is the convolution of dy with the filter rotated by 180 degrees and
 * its channel axes swapped, which XNNPACK runs several times faster than wasm's own direct loop
 * (kept for strided and dilated convolutions).
 */
function conv2DBackpropInput(args: KernelArgs, own: tf.KernelFunc): Info {
  const { dy, filter } = args.inputs as { dy: Info; filter: Info };
  const a = args.attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
  const b = args.backend as WasmBackend;
  const info = tf.backend_util.computeConv2DInfo(
    a.inputShape,
    filter.shape as [number, number, number, number],
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  if (info.strideHeight !== 1 || info.strideWidth !== 1 || (a.dataFormat ?? "NHWC") !== "NHWC") {
    return own(args as never) as Info;
  }
  const [fH, fW, cIn, cOut] = filter.shape as [number, number, number, number];
  const w = b.readSync(filter.dataId);
  const rotated = b.makeOutput([fH, fW, cOut, cIn], "float32");
  const r = b.typedArrayFromHeap(rotated);
  for (let h = 0; h < fH; h++)
    for (let x = 0; x < fW; x++)
      for (let i = 0; i < cIn; i++)
        for (let o = 0; o < cOut; o++)
          r[((h * fW + x) * cOut + o) * cIn + i] =
            w[(((fH - 1 - h) * fW + (fW - 1 - x)) * cIn + i) * cOut + o]!;
  const { top, bottom, left, right } = info.padInfo;
  const out = wasmKernel("Conv2D")(
    { x: dy, filter: rotated },
    {
      strides: 1,
      dilations: 1,
      pad: [
        [0, 0],
        [fH - 1 - top, fH - 1 - bottom],
        [fW - 1 - left, fW - 1 - right],
        [0, 0],
      ],
      dataFormat: "NHWC",
    },
    b,
  );
  b.disposeData(rotated.dataId);
  return out;
}

function depthwiseInfo(xShape: number[], filterShape: number[], a: ConvAttrs) {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    a.strides,
    a.dilations ?? 1,
    a.pad,
    a.dimRoundingMode,
    true,
  );
}

/** Visits every (output pixel, filter tap) pair of a depthwise convolution that reads a real input pixel. */
function forEachTap(
  info: tf.backend_util.Conv2DInfo,
  visit: (xBase: number, yBase: number, wBase: number) => void,
) {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { top, left } = info.padInfo;
  const multiplier = outChannels / inChannels;
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let fh = 0; fh < filterHeight; fh++) {
        const ih = oh * strideHeight - top + fh * dilationHeight;
        if (ih < 0 || ih >= inHeight) continue;
        for (let ow = 0; ow < outWidth; ow++) {
          const yBase = ((n * outHeight + oh) * outWidth + ow) * outChannels;
          for (let fw = 0; fw < filterWidth; fw++) {
            const iw = ow * strideWidth - left + fw * dilationWidth;
            if (iw < 0 || iw >= inWidth) continue;
            visit(
              ((n * inHeight + ih) * inWidth + iw) * inChannels,
              yBase,
              (fh * filterWidth + fw) * inChannels * multiplier,
            );
          }
        }
      }
    }
  }
}

/**
 * Both depthwise gradients visit the same (output pixel, tap) pairs: the filter gradient sums
 * x * dy into dw, the input gradient sums w * dy into dx.
 */
function depthwiseGradient(kind: "filter" | "input") {
  return ({ inputs, attrs, backend }: KernelArgs): Info => {
    const a = attrs as unknown as ConvAttrs & { filterShape: number[]; inputShape: number[] };
    requireNhwc(`DepthwiseConv2dNativeBackprop${kind === "filter" ? "Filter" : "Input"}`, a);
    const b = backend as WasmBackend;
    const { dy } = inputs as { dy: Info };
    const other = kind === "filter" ? inputs.x! : inputs.filter!;
    const xShape = kind === "filter" ? other.shape : a.inputShape;
    const filterShape = kind === "filter" ? a.filterShape : other.shape;
    const info = depthwiseInfo(xShape, filterShape, a);
    const values = b.readSync(other.dataId);
    const dys = b.readSync(dy.dataId);
    const outShape = kind === "filter" ? filterShape : xShape;
    const grad = new Float32Array(outShape.reduce((p, d) => p * d, 1));
    const cIn = info.inChannels;
    const m = info.outChannels / cIn;
    forEachTap(info, (xBase, yBase, wBase) => {
      for (let c = 0; c < cIn; c++) {
        if (kind === "filter") {
          const xv = values[xBase + c]!;
          for (let k = 0; k < m; k++) grad[wBase + c * m + k]! += xv * dys[yBase + c * m + k]!;
        } else {
          let sum = 0;
          for (let k = 0; k < m; k++) sum += values[wBase + c * m + k]! * dys[yBase + c * m + k]!;
          grad[xBase + c]! += sum;
        }
      }
    });
    const out = b.makeOutput(outShape, "float32");
    b.typedArrayFromHeap(out).set(grad);
    return out;
  };
}

/** Replaces a wasm kernel by `kernel`, which hands the cases it returns undefined for to the original. */
function override(name: string, kernel: (args: KernelArgs, own: tf.KernelFunc) => Info): void {
  const own = tf.getKernel(name, "wasm");
  if (!own) return;
  tf.unregisterKernel(name, "wasm");
  tf.registerKernel({
    kernelName: name,
    backendName: "wasm",
    setupFunc: own.setupFunc,
    kernelFunc: ((args: KernelArgs) => kernel(args, own.kernelFunc)) as unknown as tf.KernelFunc,
  });
}

let registered = false;

/** Registers the missing gradient kernels and the faster ones on the wasm backend (idempotent). */
export function registerWasmGradientKernels(): void {
  if (registered) return;
  registered = true;
  const kernels: [string, tf.KernelFunc][] = [
    ["Conv2DBackpropFilter", conv2DBackpropFilter as unknown as tf.KernelFunc],
    ["DepthwiseConv2dNativeBackpropFilter", depthwiseGradient("filter") as unknown as tf.KernelFunc],
    ["DepthwiseConv2dNativeBackpropInput", depthwiseGradient("input") as unknown as tf.KernelFunc],
  ];
  for (const [kernelName, kernelFunc] of kernels) {
    if (!tf.getKernel(kernelName, "wasm")) tf.registerKernel({ kernelName, backendName: "wasm", kernelFunc });
  }
  override("Conv2DBackpropInput", conv2DBackpropInput);
  // the same bits as tfjs's scalar loop, four outputs at a time (see wasm-matmul.ts)
  override(
    "BatchMatMul",
    (args, own) =>
      simdBatchMatMul(args as never) ?? (own(args as unknown as Parameters<tf.KernelFunc>[0]) as Info),
  );
}
