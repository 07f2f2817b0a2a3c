/** An error with an HTTP status and a stable code; its message is safe to show to clients. */
export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    // an expected answer, never logged with its stack: not capturing one makes refusing a bad
    // request ~15 µs cheaper on the server thread (a flood of bad requests costs less)
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}
