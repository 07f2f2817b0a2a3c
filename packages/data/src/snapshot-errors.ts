export type SnapshotErrorCode =
  /** The pin names a snapshot the store does not hold, and the source changed or is gone (bad input). */
  | "SNAPSHOT_MISSING"
  /** A reference or manifest that is malformed or hostile (a path outside the folder, a duplicate). */
  | "SNAPSHOT_INVALID"
  /** Where a snapshot is to be written cannot take it (a non-empty folder without --force). */
  | "SNAPSHOT_TARGET";

/** A data snapshot that cannot be taken or read; bytes that do not match their key are the store's IntegrityError. */
export class SnapshotError extends Error {
  override name = "SnapshotError";
  constructor(
    readonly code: SnapshotErrorCode,
    message: string,
  ) {
    super(message);
  }
}
