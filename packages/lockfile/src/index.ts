export * from "./types.js";
export * from "./errors.js";
export { lockIssues, lockSchema, validateLock, pointerSegment } from "./validate.js";
export { parseLock, readLock, MAX_LOCK_BYTES, MAX_LOCK_DEPTH } from "./read.js";
export { jsonErrorDetail, jsonTextDepth } from "./json-text.js";
export { serializeLock, writeLock } from "./write.js";
export { diffLock, type MetricDelta, type PinChange } from "./diff.js";
export { applyGate, type GateVerdict } from "./gate.js";
export {
  applyPinGate,
  pairedEvidence,
  unpairedReason,
  type PairedEvidence,
  type PairedVerdict,
  type Scored,
} from "./paired-gate.js";
export { bumpPin, emptyLock, nextVersion, SCHEMA_REF } from "./bump.js";
export { localOnly, portabilityWarnings, storeWarnings, type PortabilityWarning } from "./portability.js";
export { describeSchemaError, schemaIssues, type SchemaIssue } from "./schema-issues.js";
