export type MonitorErrorCode = "RECORD_INVALID" | "LOG_INVALID" | "SINK_INVALID" | "SINK_FAILED";

/** A prediction log, record or sink that cannot be used: the message says what to fix. */
export class MonitorError extends Error {
  override readonly name = "MonitorError";
  constructor(
    readonly code: MonitorErrorCode,
    message: string,
  ) {
    super(message);
  }
}
