export * from "./errors.js";
export * from "./spec.js";
export * from "./headline.js";
export * from "./serving-adapter.js";
export { decodeRequest, encodeAnswer, requestIssue } from "./serving-calls.js";
export { BufferPool, setBufferPoolBytes } from "./buffer-pool.js";
export {
  DEFAULT_MEMORY_BUDGET,
  heapOption,
  memoryPlan,
  MIN_MEMORY_BUDGET,
  parseMemoryQuantity,
  type MemoryPlan,
} from "./memory-budget.js";
export { batchPredict, type BatchPrediction, type BatchOutcome, type BatchOptions } from "./batch-predict.js";
export { models, getModel } from "./registry.js";
export { co2Forecast, CO2_DEFAULT_DATA } from "./co2-forecast/index.js";
export * as co2 from "./co2-forecast/index.js";
export { btcSignal, BTC_DEFAULT_DATA } from "./btc-signal/index.js";
export * as btc from "./btc-signal/index.js";
export { fishClassifier, FISH_DEFAULT_DATA } from "./fish-classifier/index.js";
export * as fish from "./fish-classifier/index.js";
export { trainModel } from "./train-model.js";
export { trainCandidate, type Candidate, type TrainCandidateOptions } from "./pipeline.js";
export { writeReport, assetLink } from "./report-files.js";
export { lineChart, confusionChart, type LineSeries, type Band } from "./plots.js";
export {
  loadPinnedArtifact,
  pinnedArtifactStep,
  PinnedArtifactError,
  type PinnedArtifactStep,
} from "./pinned-artifact.js";
