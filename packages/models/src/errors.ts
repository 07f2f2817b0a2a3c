export type ModelErrorCode =
  "DATA_INVALID" | "PARAMS_INVALID" | "REQUEST_INVALID" | "MODEL_UNKNOWN" | "TRAIN_FAILED";

/** An error in a model's data, parameters or request: the message says what to fix. */
export class ModelError extends Error {
  override readonly name = "ModelError";
  constructor(
    readonly code: ModelErrorCode,
    message: string,
  ) {
    super(message);
  }
}
