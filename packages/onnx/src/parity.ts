import * as ort from "onnxruntime-node";
import { OnnxError } from "./errors.js";

export interface ParityOptions {
  /** Absolute tolerance (default 1e-4, the design's bound). */
  atol?: number;
  /** Relative tolerance added to atol, scaled by |expected| (default 1e-6: float32 has ~7 digits). */
  rtol?: number;
}

export interface ParityReport {
  rows: number;
  maxAbsDiff: number;
  worst: { row: number; column: number; expected: number; actual: number } | undefined;
}

/**
 * Runs the exported model in onnxruntime on `input` ([rows, ...dims] flattened) and compares one
 * output with the trainer's own predictions. Throws ONNX_PARITY when any value differs by more than
 * atol + rtol * |expected|.
 */
export async function checkParity(
  model: Uint8Array,
  input: { name: string; data: Float32Array | Uint8Array; dims: number[] },
  output: { name: string; expected: ArrayLike<number> },
  options: ParityOptions = {},
): Promise<ParityReport> {
  const atol = options.atol ?? 1e-4;
  const rtol = options.rtol ?? 1e-6;
  const session = await ort.InferenceSession.create(model);
  try {
    const tensor =
      input.data instanceof Uint8Array
        ? new ort.Tensor("uint8", input.data, input.dims)
        : new ort.Tensor("float32", input.data, input.dims);
    const result = await session.run({ [input.name]: tensor });
    const out = result[output.name];
    if (!out) throw new OnnxError("ONNX_PARITY", `the model has no output "${output.name}"`);
    const actual = out.data as Float32Array;
    if (actual.length !== output.expected.length) {
      throw new OnnxError(
        "ONNX_PARITY",
        `output "${output.name}" has ${actual.length} values, the trainer produced ${output.expected.length}`,
      );
    }
    const rows = input.dims[0] ?? 1;
    const columns = actual.length / rows;
    let maxAbsDiff = 0;
    let worst: ParityReport["worst"];
    for (let i = 0; i < actual.length; i++) {
      const expected = output.expected[i]!;
      const diff = Math.abs(actual[i]! - expected);
      if (Number.isNaN(diff) || diff > maxAbsDiff) {
        maxAbsDiff = Number.isNaN(diff) ? Number.POSITIVE_INFINITY : diff;
        worst = { row: Math.floor(i / columns), column: i % columns, expected, actual: actual[i]! };
      }
      if (!(diff <= atol + rtol * Math.abs(expected))) {
        throw new OnnxError(
          "ONNX_PARITY",
          `parity check failed: onnxruntime gave ${actual[i]} where the trainer gave ${expected} ` +
            `(row ${Math.floor(i / columns)}, column ${i % columns}, |diff| ${diff.toExponential(2)} > ${atol} + ${rtol}*|expected|)`,
        );
      }
    }
    return { rows, maxAbsDiff, worst };
  } finally {
    await session.release();
  }
}
