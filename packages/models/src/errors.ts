export type ModelErrorCode =
  "DATA_INVALID" | "DATA_CORRUPT" | "PARAMS_INVALID" | "REQUEST_INVALID" | "MODEL_UNKNOWN" | "TRAIN_FAILED";

/** An error in a model's data, parameters or request: the message says what to fix. */
export class ModelError extends Error {
  override readonly name = "ModelError";
  constructor(
    readonly code: ModelErrorCode,
    message: string,
  ) {
    // a bad request is answered, never debugged: skipping its stack makes refusing one cheaper on
    // the server thread (see HttpError in apps/inference)
    const limit = Error.stackTraceLimit;
    if (code === "REQUEST_INVALID") Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

/**
 * A client's value for an error message: JSON, cut to `max` characters. An error names what was
 * wrong; it never hands back a megabyte the client sent.
 */
export function quoted(value: unknown, max = 48): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}
