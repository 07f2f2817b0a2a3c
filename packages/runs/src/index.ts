export { RunsError, type RunsErrorCode } from "./errors.js";
export {
  assertModelName,
  assertRunId,
  indexKey,
  newRunId,
  parseRunKey,
  parseRunRef,
  recordKey,
  reportKey,
  runIdTime,
  MODEL_NAME,
  RUN_ID,
} from "./id.js";
export {
  MAX_RECORD_BYTES,
  REPORT_INLINE_BYTES,
  RUN_KINDS,
  RUN_RECORD_VERSION,
  parseRecord,
  validateRecord,
  type RunKind,
  type RunRecord,
  type RunSnapshot,
} from "./record.js";
export { summarize, type RunStore, type RunSummary } from "./summary.js";
export {
  addModel,
  addToIndex,
  readIndex,
  readModels,
  writeIndex,
  writeModels,
  MAX_INDEX_BYTES,
  MODELS_KEY,
  type RunIndex,
  type RunModels,
} from "./run-index.js";
export {
  recordRun,
  runRecordFailures,
  writeRun,
  type RecordOutcome,
  type RunInput,
  type WrittenRun,
} from "./write.js";
export { findRun, readRun } from "./read.js";
export {
  applyFilter,
  holds,
  parseCondition,
  parseSince,
  parseSort,
  type Condition,
  type RunFilter,
  type SortOrder,
} from "./filter.js";
export {
  listRecordKeys,
  listRuns,
  mapLimit,
  walkRuns,
  RECONCILE_EVERY_MS,
  RECONCILE_MARGIN_MS,
  type ListOptions,
  type RunListing,
  type Skipped,
} from "./list.js";
export { compareRuns, type CompareRow, type Comparison } from "./compare.js";
export { gcRuns, type GcOptions, type GcResult } from "./gc.js";
export { runInputFrom, runnerOf, type TrainingFacts } from "./from-training.js";
export { recentRunsSection, sparkline, trendChart, trendSection, type TrendOptions } from "./trend.js";
