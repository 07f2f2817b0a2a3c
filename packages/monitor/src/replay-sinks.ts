import { mkdir, readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from "@clickhouse/client";
import { insertRows, parseClickHouseUrl } from "./clickhouse-sink.js";
import { migrate } from "./clickhouse-schema.js";
import { appendByDay } from "./jsonl-sink.js";
import type { LineBatch } from "./line-queue.js";
import type { PredictionSink } from "./prediction-log.js";
import { replayLine, replayRow, type ReplayRecord } from "./replay-record.js";

export const REPLAY_TABLE = "lockstep_replay";
/** The file a sampled request goes to: one per UTC day, `replay-YYYY-MM-DD.jsonl`. */
export const replayFileName = (day: string) => `replay-${day.slice(0, 10)}.jsonl`;
export const REPLAY_FILE = /^replay-(\d{4}-\d{2}-\d{2})\.jsonl$/;

/** Retention is enforced at most this often, on a write. */
const PRUNE_EVERY_MS = 3_600_000;

/** The first UTC day kept with `retentionDays` (today counts as one). */
export const firstKeptDay = (retentionDays: number, now = Date.now()) =>
  new Date(now - (retentionDays - 1) * 86_400_000).toISOString().slice(0, 10);

/** The embedded replay sample: daily JSON Lines files beside the prediction log's; days past retention are deleted. */
export class JsonLinesReplaySink implements PredictionSink<ReplayRecord> {
  readonly name = "jsonl";
  private ready: Promise<unknown> | undefined;
  private prunedAt = 0;

  constructor(
    readonly dir: string,
    private readonly retentionDays: number,
    private readonly now: () => number = Date.now,
  ) {}

  encode(record: ReplayRecord): string {
    return replayLine(record);
  }

  async write(batch: LineBatch): Promise<void> {
    this.ready ??= mkdir(this.dir, { recursive: true }).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    await this.ready;
    await appendByDay(this.dir, batch, replayFileName);
    if (this.now() - this.prunedAt >= PRUNE_EVERY_MS) await this.prune();
  }

  /** Deletes the days before retention; returns the files deleted. */
  async prune(): Promise<string[]> {
    this.prunedAt = this.now();
    const first = firstKeptDay(this.retentionDays, this.now());
    const old = (await readdir(this.dir)).filter((f) => {
      const day = REPLAY_FILE.exec(f)?.[1];
      return day !== undefined && day < first;
    });
    for (const file of old) await unlink(join(this.dir, file)).catch(() => undefined);
    return old;
  }

  async close(): Promise<void> {}
}

/** The replay sample in ClickHouse (lockstep_replay, beside lockstep_predictions); rows past retention are deleted. */
export class ClickHouseReplaySink implements PredictionSink<ReplayRecord> {
  readonly name = "clickhouse";
  private readonly client: ClickHouseClient;
  readonly database: string;
  private migrated = false;
  private prunedAt = 0;

  constructor(
    url: string,
    private readonly retentionDays: number,
    options: { requestTimeoutMs?: number; now?: () => number } = {},
  ) {
    const target = parseClickHouseUrl(url);
    this.database = target.database;
    this.now = options.now ?? Date.now;
    this.client = createClient({
      url: target.url,
      username: target.username ?? "default",
      password: target.password ?? "",
      request_timeout: options.requestTimeoutMs ?? 10_000,
      log: { level: ClickHouseLogLevel.OFF },
    });
  }

  private readonly now: () => number;

  encode(record: ReplayRecord): string {
    return replayRow(record);
  }

  async write(batch: LineBatch): Promise<void> {
    if (!this.migrated) {
      await migrate(this.client, this.database);
      this.migrated = true;
    }
    await insertRows(this.client, `${this.database}.${REPLAY_TABLE}`, batch);
    if (this.now() - this.prunedAt >= PRUNE_EVERY_MS) await this.prune();
  }

  /** Drops the days before retention (whole partitions: no mutation rewrites the rest). */
  async prune(): Promise<void> {
    this.prunedAt = this.now();
    const first = Number(firstKeptDay(this.retentionDays, this.now()).replaceAll("-", ""));
    const parts = (await (
      await this.client.query({
        // the database name is checked plain (DATABASE_NAME): 18.16 has no query parameters
        query: `SELECT DISTINCT partition FROM system.parts WHERE database = '${this.database}' AND table = '${REPLAY_TABLE}' AND active`,
        format: "JSONEachRow",
      })
    ).json()) as { partition: string }[];
    for (const { partition } of parts)
      if (/^\d{8}$/.test(partition) && Number(partition) < first)
        await this.client.command({
          query: `ALTER TABLE ${this.database}.${REPLAY_TABLE} DROP PARTITION ${partition}`,
        });
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
