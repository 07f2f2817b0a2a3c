export { MonitorError, type MonitorErrorCode } from "./errors.js";
export {
  checkRecord,
  isoNow,
  parseRecordLine,
  recordJson,
  MAX_FIELDS,
  MAX_RECORD_BYTES,
  type FieldValue,
  type PredictionRecord,
} from "./record.js";
export { PredictionLog, type PredictionLogOptions, type PredictionSink } from "./prediction-log.js";
export { batchLines, batchOf, CHUNK_BYTES, LineQueue, type LineBatch } from "./line-queue.js";
export { JsonLinesSink, dailyFileName, appendByDay } from "./jsonl-sink.js";
export {
  checkReplayRecord,
  parseReplayLine,
  replayLine,
  replayRow,
  MAX_REPLAY_LINE_CHARS,
  type ReplayRecord,
  type ReplayBodyKind,
  type SampledRequest,
} from "./replay-record.js";
export {
  ClickHouseReplaySink,
  JsonLinesReplaySink,
  REPLAY_FILE,
  REPLAY_TABLE,
  replayFileName,
  firstKeptDay,
} from "./replay-sinks.js";
export {
  ReplaySample,
  type OfferedRequest,
  type ReplaySampleOptions,
  type ReplaySkips,
} from "./replay-sample.js";
export { readReplaySample, readReplayText, type ReplayRead, type ReplayWindow } from "./read-replay.js";
export { DriftWindow, MAX_WATCHED_FIELDS, type ProfileLike } from "./online-drift.js";
export { ClickHouseSink, parseClickHouseUrl, predictionRow } from "./clickhouse-sink.js";
export { migrate, MIGRATIONS_DIR, PREDICTIONS_TABLE } from "./clickhouse-schema.js";
export {
  columnDrift,
  chiSquareSurvival,
  ksAgainstProfile,
  wassersteinAgainstProfile,
  LARGE_SAMPLE,
} from "./drift-tests.js";
export type { ColumnDrift, DriftTest, Thresholds } from "./drift-tests.js";
export {
  monitorWindow,
  type MonitorResult,
  type MonitorOptions,
  type ReportedColumn,
  type Histogram,
} from "./batch-monitor.js";
export { monitorMarkdown, monitorHtml } from "./monitor-report.js";
export {
  monitorReportPrefix,
  parsePublishedReport,
  readLatestReport,
  reportStamp,
  MAX_REPORT_BYTES,
  REPORT_FILES,
  type PublishedReport,
  type ReportReader,
} from "./report-store.js";
export {
  servedTraffic,
  servedTrafficQueries,
  type ServedTrafficCounts,
  type ServedTrafficQuery,
} from "./served-traffic.js";
export {
  comparePins,
  watchMarkdown,
  RESAMPLES,
  type PairedRow,
  type WatchedPin,
  type WatchStatus,
  type WatchVerdict,
} from "./pin-watch.js";
export {
  parseWatchDuration,
  watchSettings,
  WATCH_CONFIG_NAME,
  WATCH_DEFAULTS,
  type WatchAction,
  type WatchSettings,
} from "./watch-config.js";
export { readPredictionLog, type LogRead, type LogWindow } from "./read-log.js";
export {
  realisedReport,
  type RealisedReport,
  type RealisedSpec,
  type RealisedOptions,
  type ScoredRow,
} from "./realised.js";
export {
  classShareTest,
  classShareVerdict,
  histogramMoments,
  normalQuantile,
  valueShiftInterval,
  valueShiftVerdict,
  type CanaryVerdict,
  type ClassShareOptions,
  type ClassShareTest,
  type ClassShareThresholds,
  type HistogramWindow,
  type ValueShiftInterval,
  type ValueShiftThresholds,
} from "./canary-stats.js";
export {
  canaryJudgeHandler,
  judge,
  judgeJson,
  judgeParams,
  startCanaryJudge,
  HASH_LABEL,
  JudgeError,
  MAX_CLASSES,
  MAX_URL_BYTES,
  type CanaryJudgeOptions,
  type JudgeErrorCode,
  type JudgedModel,
  type RunningJudge,
} from "./canary-judge.js";
