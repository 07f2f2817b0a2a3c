import * as tf from "@tensorflow/tfjs";
import { MATMUL_WASM } from "./matmul-wasm.js";

/**
 * tfjs-wasm's BatchMatMul runs on XNNPACK only when neither side is transposed and there is no
 * batch; otherwise (every matmul of a backward pass) it runs a scalar loop. This kernel runs
 * matmul.wat instead: the same float32 sums in the same order, SIMD across outputs, so the same
 * bits (tested against tfjs's own kernel), several times faster.
 */

interface Kernels {
  matmul(...args: number[]): void;
  transpose(from: number, to: number, rows: number, cols: number): void;
}

// the WebAssembly global, typed here: TypeScript declares it only in the DOM libraries
const wasm = (
  globalThis as unknown as {
    WebAssembly: {
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object, imports: object) => { exports: unknown };
    };
  }
).WebAssembly;

interface WasmHeapBackend {
  wasm: { asm: { memory: object }; HEAPF32: Float32Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}

let compiled: object | undefined;
const instances = new WeakMap<object, Kernels>();

/** The kernels over this backend's memory, instantiated once per backend. */
function kernelsOf(backend: WasmHeapBackend): Kernels {
  let kernels = instances.get(backend);
  if (!kernels) {
    compiled ??= new wasm.Module(Buffer.from(MATMUL_WASM, "base64"));
    const instance = new wasm.Instance(compiled, { env: { memory: backend.wasm.asm.memory } });
    kernels = instance.exports as unknown as Kernels;
    instances.set(backend, kernels);
  }
  return kernels;
}

export interface MatMulArgs {
  inputs: { a: tf.TensorInfo; b: tf.TensorInfo };
  attrs: { transposeA: boolean; transposeB: boolean };
  backend: unknown;
}

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);

/**
 * The product, or undefined where tfjs's own kernel should run: XNNPACK's case (no transpose, no
 * batch), non-float32 inputs, mismatched shapes (tfjs reports them) and widths that are not a
 * multiple of 4.
 */
export function simdBatchMatMul({ inputs, attrs, backend }: MatMulArgs): tf.TensorInfo | undefined {
  const { a, b } = inputs;
  const { transposeA, transposeB } = attrs;
  if (a.dtype !== "float32" || b.dtype !== "float32") return undefined;
  const [ar, br] = [a.shape.length, b.shape.length];
  if (ar < 2 || br < 2) return undefined;
  const [batchA, batchB] = [size(a.shape.slice(0, -2)), size(b.shape.slice(0, -2))];
  if (!transposeA && !transposeB && batchA === 1 && batchB === 1) return undefined;
  const shared = transposeA ? a.shape[ar - 2]! : a.shape[ar - 1]!;
  const left = transposeA ? a.shape[ar - 1]! : a.shape[ar - 2]!;
  const right = transposeB ? b.shape[br - 2]! : b.shape[br - 1]!;
  if (shared !== (transposeB ? b.shape[br - 1] : b.shape[br - 2])) return undefined;
  if (right % 4 !== 0 || shared === 0 || left === 0) return undefined;
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return undefined;
  const outer = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const heap = backend as WasmHeapBackend;
  const kernels = kernelsOf(heap);
  const offset = (t: tf.TensorInfo) => heap.dataIdMap.get(t.dataId).memoryOffset;
  const batch = Math.max(batchA, batchB);
  const out = heap.makeOutput([...outer, left, right], "float32");
  // a transposed b is copied once into row-major [shared, right] scratch
  const scratch = transposeB ? heap.makeOutput([batchB, shared, right], "float32") : undefined;
  if (scratch)
    for (let n = 0; n < batchB; n++) {
      const stride = n * shared * right * 4;
      kernels.transpose(offset(b) + stride, offset(scratch) + stride, right, shared);
    }
  const bAt = offset(scratch ?? b);
  const [aAt, outAt] = [offset(a), offset(out)];
  heap.wasm.HEAPF32.fill(0, outAt / 4, outAt / 4 + batch * left * right);
  const [aOuter, aInner] = transposeA ? [4, left * 4] : [shared * 4, 4];
  for (let n = 0; n < batch; n++) {
    const aBase = aAt + (batchA === 1 ? 0 : n * left * shared * 4);
    const bBase = bAt + (batchB === 1 ? 0 : n * shared * right * 4);
    kernels.matmul(aBase, bBase, outAt + n * left * right * 4, left, right, shared, aOuter, aInner);
  }
  if (scratch) heap.disposeData(scratch.dataId);
  return out;
}
