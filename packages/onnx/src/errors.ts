export type OnnxErrorCode = "ONNX_GRAPH" | "ONNX_DECODE" | "ONNX_CARD" | "ONNX_PARITY";

export class OnnxError extends Error {
  override readonly name = "OnnxError";
  constructor(
    readonly code: OnnxErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
