export { ReplayError, type ReplayErrorCode } from "./errors.js";
export { loadCandidate, MAX_CANDIDATE_BYTES, type ReplayArtifact } from "./candidate.js";
export {
  changedMost,
  compareClasses,
  compareValues,
  type ChangedRequest,
  type ClassComparison,
  type HorizonChange,
  type ReplayPair,
  type ValueComparison,
} from "./compare.js";
export {
  predictCanary,
  histogramOf,
  CLASS_SHARE_ALPHA,
  VALUE_SHIFT_LEVEL,
  type CanaryPrediction,
  type PredictedMeasurement,
} from "./canary-prediction.js";
export { replay, type ReplayInput, type ReplayReport, type ReplaySide } from "./replay.js";
export { replayJson, replayMarkdown } from "./report.js";
export { exportSample, readSample, sampleLine, SAMPLE_PREFIX } from "./sample-source.js";
export { classShareShift, valueShift, quantile } from "./replay-stats.js";
export { replayAgainstPin, canaryAnalysis, type ReplayPinOptions } from "./replay-pin.js";
export { replaySection, type ReplaySectionOptions } from "./pull-request-section.js";
