export type StoreErrorCode =
  | "STORE_URI"
  | "STORE_NOT_FOUND"
  | "STORE_ACCESS_DENIED"
  | "STORE_UNREACHABLE"
  | "STORE_IO"
  | "STORE_INTEGRITY"
  | "STORE_TOO_LARGE"
  | "STORE_AUTH";

export class StoreError extends Error {
  override name = "StoreError";
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The bytes read do not hash to the expected SHA-256. Nothing unverified is ever returned. */
export class IntegrityError extends StoreError {
  override name = "IntegrityError";
  constructor(
    readonly uri: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super("STORE_INTEGRITY", `integrity check failed for ${uri}: expected sha256 ${expected}, got ${actual}`);
  }
}

/** An artifact larger than the reader allows (its pin's size): refused before it is all read. */
export class TooLargeError extends StoreError {
  override name = "TooLargeError";
  constructor(
    readonly uri: string,
    readonly maxBytes: number,
    readonly seen: number,
  ) {
    super("STORE_TOO_LARGE", `artifact ${uri} is larger than ${maxBytes} bytes (at least ${seen} arrived)`);
  }
}
