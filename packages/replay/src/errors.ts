export type ReplayErrorCode =
  /** The sample holds no usable request of the pin in the window. */
  | "REPLAY_EMPTY"
  /** The candidate's bytes do not hash to the sha256 asked for, or its card names another model. */
  | "CANDIDATE_MISMATCH"
  /** The candidate cannot be read: no such file, not in the store, not an ONNX model with a card. */
  | "CANDIDATE_INVALID"
  /** The sample's location cannot be read (a store key that is not a sample, a folder that is not there). */
  | "SAMPLE_INVALID";

/** Replay cannot run: the message says what to fix (the CLI exits 2). */
export class ReplayError extends Error {
  override readonly name = "ReplayError";
  constructor(
    readonly code: ReplayErrorCode,
    message: string,
  ) {
    super(message);
  }
}
