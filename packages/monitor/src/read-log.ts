import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createClient } from "@clickhouse/client";
import { parseClickHouseUrl } from "./clickhouse-sink.js";
import { PREDICTIONS_TABLE } from "./clickhouse-schema.js";
import { MonitorError } from "./errors.js";
import { checkRecord, parseRecordLine, type PredictionRecord } from "./record.js";

export interface LogWindow {
  model: string;
  /** Only records of this artifact count; others are skipped and counted. */
  sha256?: string;
  /** Records at or after this time (ms since the epoch). */
  since?: number;
  /** Reading stops after this many matching records. */
  limit?: number;
  /** Told every 100,000 lines read. */
  progress?: (lines: number) => void;
}

export interface LogRead {
  records: PredictionRecord[];
  /** Lines that were not records (malformed, oversized, wrong shape). */
  invalid: number;
  /** Records of another model, or of this model's other artifacts. */
  otherModel: number;
  otherArtifact: number;
  /** Records before `since`. */
  older: number;
}

/** A log URI: a JSON Lines folder (path or file://) or a ClickHouse database (http(s)://…/database). */
export async function readPredictionLog(uri: string, window: LogWindow): Promise<LogRead> {
  if (/^https?:\/\//.test(uri)) return readClickHouse(uri, window);
  const dir = uri.startsWith("file://") ? fileURLToPath(uri) : resolve(uri);
  return readJsonLines(dir, window);
}

function tally(read: LogRead, record: PredictionRecord, window: LogWindow): void {
  if (record.model !== window.model) read.otherModel++;
  else if (window.sha256 !== undefined && record.sha256 !== window.sha256) read.otherArtifact++;
  else if (window.since !== undefined && Date.parse(record.time) < window.since) read.older++;
  else read.records.push(record);
}

async function readJsonLines(dir: string, window: LogWindow): Promise<LogRead> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory())
    throw new MonitorError("LOG_INVALID", `${dir} is not a folder of prediction logs`);
  const sinceDay = window.since === undefined ? "" : new Date(window.since).toISOString().slice(0, 10);
  const files = (await readdir(dir))
    .filter((f) => /^predictions-\d{4}-\d{2}-\d{2}\.jsonl$/.test(f))
    .filter((f) => f.slice(12, 22) >= sinceDay)
    .sort();
  const read: LogRead = { records: [], invalid: 0, otherModel: 0, otherArtifact: 0, older: 0 };
  let lines = 0;
  for (const file of files) {
    const input = createReadStream(join(dir, file), { encoding: "utf8" });
    const reader = createInterface({ input, crlfDelay: Infinity });
    for await (const line of reader) {
      if (++lines % 100_000 === 0) window.progress?.(lines);
      if (line.trim() === "") continue;
      let record: PredictionRecord;
      try {
        record = parseRecordLine(line);
      } catch {
        read.invalid++;
        continue;
      }
      tally(read, record, window);
      if (window.limit !== undefined && read.records.length >= window.limit) {
        reader.close();
        input.destroy();
        return read;
      }
    }
  }
  return read;
}

interface Row {
  time: string;
  time_ms: number;
  request_id: string;
  model: string;
  version: string;
  sha256: string;
  "features.name": string[];
  "features.value": number[];
  "categories.name": string[];
  "categories.value": string[];
  "prediction_values.name": string[];
  "prediction_values.value": number[];
  "prediction_labels.name": string[];
  "prediction_labels.value": string[];
  latency_ms: number;
  cached: number;
}

const zip = (names: string[], values: (number | string)[]) =>
  Object.fromEntries(names.map((name, i) => [name, values[i]!]));

async function readClickHouse(uri: string, window: LogWindow): Promise<LogRead> {
  const target = parseClickHouseUrl(uri);
  const client = createClient({
    url: target.url,
    username: target.username ?? "default",
    password: target.password ?? "",
  });
  const read: LogRead = { records: [], invalid: 0, otherModel: 0, otherArtifact: 0, older: 0 };
  try {
    // ClickHouse 18.16 has no query parameters: the values are checked to be plain before they go in
    if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(window.model))
      throw new MonitorError("LOG_INVALID", "not a model name");
    if (window.sha256 !== undefined && !/^[0-9a-f]{64}$/.test(window.sha256))
      throw new MonitorError("LOG_INVALID", "not a sha256");
    const where = [`model = '${window.model}'`];
    if (window.sha256) where.push(`sha256 = '${window.sha256}'`);
    if (window.since !== undefined) where.push(`time >= toDateTime(${Math.floor(window.since / 1000)})`);
    const result = await client.query({
      query: `SELECT toUnixTimestamp(time) AS time, time_ms, request_id, model, version, sha256, features.name, features.value, categories.name, categories.value, prediction_values.name, prediction_values.value, prediction_labels.name, prediction_labels.value, latency_ms, cached FROM ${target.database}.${PREDICTIONS_TABLE} WHERE ${where.join(" AND ")} ORDER BY time${window.limit ? ` LIMIT ${Math.floor(window.limit)}` : ""}`,
      format: "JSONEachRow",
    });
    let lines = 0;
    for await (const rows of result.stream<Row>()) {
      for (const row of rows) {
        if (++lines % 100_000 === 0) window.progress?.(lines);
        const r = row.json();
        try {
          const record = checkRecord({
            time: new Date(Number(r.time) * 1000 + Number(r.time_ms)).toISOString(),
            requestId: r.request_id,
            model: r.model,
            version: r.version,
            sha256: r.sha256,
            features: {
              ...zip(r["features.name"], r["features.value"].map(Number)),
              ...zip(r["categories.name"], r["categories.value"]),
            },
            prediction: {
              ...zip(r["prediction_values.name"], r["prediction_values.value"].map(Number)),
              ...zip(r["prediction_labels.name"], r["prediction_labels.value"]),
            },
            latencyMs: Number(r.latency_ms),
            cached: Number(r.cached) === 1,
          });
          tally(read, record, window);
        } catch {
          read.invalid++;
        }
      }
    }
  } catch (error) {
    if (error instanceof MonitorError) throw error;
    throw new MonitorError(
      "LOG_INVALID",
      `cannot read the prediction log at ${target.url}/${target.database}: ${(error as Error).message}`,
    );
  } finally {
    await client.close();
  }
  return read;
}
