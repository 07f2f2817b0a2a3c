export { verifyPin, type Check, type PinVerification, type VerifyOptions } from "./verify-pin.js";
export { verificationSummary, verificationTable, verifyChangedPins } from "./verify-lock.js";
export {
  DEFAULT_REPRODUCE_TOLERANCE,
  evaluationData,
  isLocalData,
  reproduceEvaluation,
  trainingParams,
  withinTolerance,
  type ReproduceOptions,
  type Reproduction,
} from "./reproduce.js";
export { parseDataOverrides, parseTolerance } from "./inputs.js";
export { VerifyError, type VerifyErrorCode } from "./errors.js";
export {
  bundleStatements,
  provenanceCheck,
  SLSA_PROVENANCE_V1,
  TRAIN_WORKFLOW,
  type ProvenancePolicy,
  type ProvenanceSource,
  type ProvenanceStatement,
} from "./provenance.js";
export { ACTIONS_ISSUER, verifiedStatements } from "./sigstore.js";
