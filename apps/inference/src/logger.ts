import { pino, type Logger } from "pino";

const MAX_WRITE = 16 * 1024;

export interface ServerLoggerOptions {
  level?: string;
  /** Bytes gathered before a write; 0 writes every line at once (one write(2) per line). */
  bufferBytes?: number;
  /** Longest a buffered line waits. */
  flushMs?: number;
  /** Where the lines go (default stdout). */
  fd?: number;
}

/**
 * The server's logger: JSON lines on stdout, gathered into writes of `bufferBytes` and flushed at
 * least every `flushMs` and on exit (an access line per request would otherwise cost a write(2)
 * each on the server thread). A SIGKILL loses at most the lines of the last `flushMs`.
 */
export function serverLogger(options: ServerLoggerOptions = {}): Logger {
  const { level = "info", bufferBytes = 4096, flushMs = 250, fd = 1 } = options;
  // sonic-boom writes at most 16 KiB at a time and refuses a buffer that large
  if (!Number.isInteger(bufferBytes) || bufferBytes < 0 || bufferBytes >= MAX_WRITE)
    throw new RangeError(`bufferBytes must be an integer from 0 to ${MAX_WRITE - 1}, got ${bufferBytes}`);
  const destination = pino.destination({
    dest: fd,
    sync: bufferBytes === 0,
    minLength: bufferBytes,
    ...(bufferBytes > 0 ? { periodicFlush: flushMs } : {}),
  });
  return pino({ name: "lockstep-inference", level }, destination);
}
