export type MonitorErrorCode =
  | "RECORD_INVALID"
  | "LOG_INVALID"
  /** The window holds no prediction of the pin: no traffic, or the wrong log. */
  | "LOG_EMPTY"
  /** A replay sample or one of its records that cannot be read. */
  | "REPLAY_INVALID"
  /** A published monitor report (reports/monitor/...) that cannot be read. */
  | "REPORT_INVALID"
  /** A published monitor report of another model or artifact than the one asked about. */
  | "REPORT_MISMATCH"
  /** Prometheus could not be asked, or its answer is not a count. */
  | "PROMETHEUS_FAILED"
  | "SINK_INVALID"
  | "SINK_FAILED"
  /** lockstep.watch.json that does not parse or names a setting wrongly. */
  | "WATCH_CONFIG_INVALID";

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
