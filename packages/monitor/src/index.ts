export { MonitorError, type MonitorErrorCode } from "./errors.js";
export {
  checkRecord,
  parseRecordLine,
  MAX_FIELDS,
  MAX_RECORD_BYTES,
  type FieldValue,
  type PredictionRecord,
} from "./record.js";
export { PredictionLog, type PredictionLogOptions, type PredictionSink } from "./prediction-log.js";
export { JsonLinesSink, dailyFileName } from "./jsonl-sink.js";
export { DriftWindow, MAX_WATCHED_FIELDS, type ProfileLike } from "./online-drift.js";
export { ClickHouseSink, parseClickHouseUrl, predictionRow } from "./clickhouse-sink.js";
export { migrate, MIGRATIONS_DIR, PREDICTIONS_TABLE } from "./clickhouse-schema.js";
