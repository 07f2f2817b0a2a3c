export type RunsErrorCode =
  | "RUN_ID_INVALID"
  | "RUN_MODEL_INVALID"
  | "RUN_NOT_FOUND"
  | "RUN_AMBIGUOUS"
  | "RUN_RECORD_INVALID"
  | "RUN_WHERE_INVALID"
  | "RUN_SINCE_INVALID"
  | "RUN_SORT_INVALID"
  | "RUN_GC_INVALID";

/** A run command's bad input (an id, a filter, a record) or a run that is not there. */
export class RunsError extends Error {
  override name = "RunsError";
  constructor(
    readonly code: RunsErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Shows at most `max` characters of hostile input in a message. */
export const shown = (value: unknown, max = 80): string => {
  const text = typeof value === "string" ? value : String(value);
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
};
