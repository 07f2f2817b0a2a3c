/** A tensor as the server handles it before and after onnxruntime: element type, flat data, dims. */
export interface HostTensor {
  type: string;
  data: ArrayLike<unknown>;
  dims: readonly number[];
}

export type Tensors = Record<string, HostTensor>;

/**
 * Why onnxruntime must not be given these tensors, or undefined when it may: every dimension a
 * positive integer and the data exactly that many elements. A zero-sized dimension aborts the
 * process inside onnxruntime-node on the server thread, so nothing reaches a session unchecked.
 */
export function tensorsError(tensors: Tensors): string | undefined {
  for (const [name, tensor] of Object.entries(tensors)) {
    let count = 1;
    for (const d of tensor.dims) {
      if (!Number.isSafeInteger(d) || d < 1)
        return `tensor "${name}" has dimension ${d}: each must be at least 1`;
      count *= d;
    }
    if (tensor.data.length !== count) {
      return `tensor "${name}" has ${tensor.data.length} elements for dims [${tensor.dims.join(", ")}]`;
    }
  }
  return undefined;
}

/** The batch dimension every tensor shares (dims[0]), or undefined when they disagree. */
export function batchRows(tensors: Tensors): number | undefined {
  let rows: number | undefined;
  for (const tensor of Object.values(tensors)) {
    const first = tensor.dims[0];
    if (first === undefined) return undefined;
    if (rows === undefined) rows = first;
    else if (rows !== first) return undefined;
  }
  return rows;
}

/** Which requests can share a run: same inputs, element types and dims after the batch dimension. */
export function batchSignature(tensors: Tensors): string {
  return Object.keys(tensors)
    .sort()
    .map((name) => `${name}:${tensors[name]!.type}:${tensors[name]!.dims.slice(1).join("x")}`)
    .join("|");
}

type ArrayCtor = {
  new (length: number): ArrayLike<unknown> & { set(a: ArrayLike<unknown>, o: number): void };
};

function concatData(parts: ArrayLike<unknown>[]): ArrayLike<unknown> {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const first = parts[0]!;
  if (Array.isArray(first)) return (parts as unknown[][]).flat();
  const out = new (first.constructor as ArrayCtor)(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function sliceData(data: ArrayLike<unknown>, start: number, end: number): ArrayLike<unknown> {
  const sliceable = data as ArrayLike<unknown> & { subarray?: (s: number, e: number) => ArrayLike<unknown> };
  // subarray shares memory with the batch output, which is never reused: no copy needed
  return sliceable.subarray ? sliceable.subarray(start, end) : Array.prototype.slice.call(data, start, end);
}

/** Stacks same-signature requests along the batch dimension. */
export function concatBatch(items: Tensors[]): Tensors {
  if (items.length === 1) return items[0]!;
  const out: Tensors = {};
  for (const name of Object.keys(items[0]!)) {
    const parts = items.map((item) => item[name]!);
    const rows = parts.reduce((sum, part) => sum + part.dims[0]!, 0);
    out[name] = {
      type: parts[0]!.type,
      data: concatData(parts.map((part) => part.data)),
      dims: [rows, ...parts[0]!.dims.slice(1)],
    };
  }
  return out;
}

/** Splits a batched run's outputs back into each request's rows; throws if an output has no batch dim. */
export function splitBatch(outputs: Tensors, rowCounts: number[]): Tensors[] {
  if (rowCounts.length === 1) return [outputs];
  const total = rowCounts.reduce((a, b) => a + b, 0);
  const results: Tensors[] = rowCounts.map(() => ({}));
  for (const [name, tensor] of Object.entries(outputs)) {
    if (tensor.dims[0] !== total) {
      throw new Error(`output "${name}" has ${tensor.dims[0]} rows for a batch of ${total}`);
    }
    const width = total === 0 ? 0 : tensor.data.length / total;
    let row = 0;
    rowCounts.forEach((rows, i) => {
      results[i]![name] = {
        type: tensor.type,
        data: sliceData(tensor.data, row * width, (row + rows) * width),
        dims: [rows, ...tensor.dims.slice(1)],
      };
      row += rows;
    });
  }
  return results;
}
