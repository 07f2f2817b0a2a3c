import { Readable } from "node:stream";
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from "@clickhouse/client";
import { MonitorError } from "./errors.js";
import type { PredictionSink } from "./prediction-log.js";
import type { PredictionRecord } from "./record.js";
import { DATABASE_NAME, migrate, PREDICTIONS_TABLE } from "./clickhouse-schema.js";
import type { LineBatch } from "./line-queue.js";

/** A record as a row of lockstep_predictions (numbers and categories in their own Nested columns). */
export function predictionRow(record: PredictionRecord): Record<string, unknown> {
  const split = (fields: Record<string, number | string>) => {
    const numeric = Object.entries(fields).filter((e): e is [string, number] => typeof e[1] === "number");
    const labels = Object.entries(fields).filter((e): e is [string, string] => typeof e[1] === "string");
    return { numeric, labels };
  };
  const features = split(record.features);
  const prediction = split(record.prediction);
  const ms = Date.parse(record.time);
  return {
    // seconds since the epoch, quoted: every ClickHouse version reads that as a DateTime
    time: String(Math.floor(ms / 1000)),
    time_ms: ms % 1000,
    request_id: record.requestId,
    model: record.model,
    version: record.version,
    sha256: record.sha256,
    "features.name": features.numeric.map(([k]) => k),
    "features.value": features.numeric.map(([, v]) => v),
    "categories.name": features.labels.map(([k]) => k),
    "categories.value": features.labels.map(([, v]) => v),
    "prediction_values.name": prediction.numeric.map(([k]) => k),
    "prediction_values.value": prediction.numeric.map(([, v]) => v),
    "prediction_labels.name": prediction.labels.map(([k]) => k),
    "prediction_labels.value": prediction.labels.map(([, v]) => v),
    latency_ms: record.latencyMs,
    cached: record.cached ? 1 : 0,
  };
}

/** `clickhouse://` or `http(s)://host:port/database` → the client's URL and the database. */
export function parseClickHouseUrl(url: string): {
  url: string;
  database: string;
  username?: string;
  password?: string;
} {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new MonitorError("SINK_INVALID", "the ClickHouse URL is not a URL (http://host:8123/database)");
  }
  if (!["http:", "https:"].includes(parsed.protocol))
    throw new MonitorError(
      "SINK_INVALID",
      `the ClickHouse URL must be http:// or https://, got ${parsed.protocol}`,
    );
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, "")) || "default";
  if (!DATABASE_NAME.test(database))
    throw new MonitorError("SINK_INVALID", `"${database.slice(0, 64)}" is not a ClickHouse database name`);
  const username = parsed.username ? decodeURIComponent(parsed.username) : undefined;
  const password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  return { url: `${parsed.protocol}//${parsed.host}`, database, username, password };
}

/**
 * The production prediction log: batched JSONEachRow inserts over HTTP. The schema is migrated on
 * the first write that reaches the server, so a ClickHouse that is down at start costs nothing but
 * the records the log drops meanwhile; every write is a new request, so the sink reconnects by itself.
 */
export class ClickHouseSink implements PredictionSink {
  readonly name = "clickhouse";
  private readonly client: ClickHouseClient;
  readonly database: string;
  private migrated = false;

  constructor(url: string, options: { requestTimeoutMs?: number } = {}) {
    const target = parseClickHouseUrl(url);
    this.database = target.database;
    this.client = createClient({
      url: target.url,
      username: target.username ?? "default",
      password: target.password ?? "",
      request_timeout: options.requestTimeoutMs ?? 10_000,
      // failures reach the log's onError (rate-limited there), not the console
      log: { level: ClickHouseLogLevel.OFF },
    });
  }

  encode(record: PredictionRecord): string {
    return JSON.stringify(predictionRow(record));
  }

  async write(batch: LineBatch): Promise<void> {
    if (!this.migrated) {
      await migrate(this.client, this.database);
      this.migrated = true;
    }
    await insertRows(this.client, `${this.database}.${PREDICTIONS_TABLE}`, batch);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** Inserts JSONEachRow lines as they are: rows already, never parsed and serialised again. */
export async function insertRows(client: ClickHouseClient, table: string, batch: LineBatch): Promise<void> {
  const result = await client.exec({
    query: `INSERT INTO ${table} FORMAT JSONEachRow`,
    values: Readable.from(batch.pieces),
  });
  result.stream.destroy();
}
