import type { Logger } from "pino";
import { HttpError } from "./errors.js";

/** Longest error text answered: a message that quotes a client's value never hands it all back. */
export const MAX_ERROR_CHARS = 512;

const brief = (message: string) =>
  message.length <= MAX_ERROR_CHARS ? message : `${message.slice(0, MAX_ERROR_CHARS - 1)}…`;

export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: { error: string; code: string };
}

/**
 * What a client sees for an error: `{"error": "...", "code": "..."}` with its status. Client errors
 * say what was wrong; anything unexpected is logged with its stack and answered with a generic 500.
 */
export function errorResponse(error: unknown, log: Logger | undefined): ErrorResponse {
  if (error instanceof HttpError) {
    return {
      status: error.status,
      headers: error.headers,
      body: { error: brief(error.message), code: error.code },
    };
  }
  const status = (error as { status?: number } | undefined)?.status;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return { status, headers: {}, body: { error: brief((error as Error).message), code: "BAD_REQUEST" } };
  }
  log?.error({ err: error }, "unhandled error");
  return { status: 500, headers: {}, body: { error: "internal server error", code: "INTERNAL" } };
}
