import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createClient } from "@clickhouse/client";
import { parseClickHouseUrl } from "./clickhouse-sink.js";
import { MonitorError } from "./errors.js";
import {
  checkReplayRecord,
  MAX_REPLAY_LINE_CHARS,
  parseReplayLine,
  type SampledRequest,
} from "./replay-record.js";
import { REPLAY_FILE, REPLAY_TABLE } from "./replay-sinks.js";

export interface ReplayWindow {
  model: string;
  /** Only requests answered by this artifact count; others are skipped and counted. */
  sha256?: string;
  /** Requests at or after this time (ms since the epoch). */
  since?: number;
  /** Reading stops after this many matching requests. */
  limit?: number;
  /** Longest line read (default MAX_REPLAY_LINE_CHARS): longer ones are skipped and counted. */
  maxLineChars?: number;
}

export interface ReplayRead {
  requests: SampledRequest[];
  /** Lines that were not sample records (not JSON, wrong shape). */
  invalid: number;
  /** Lines longer than the window's maxLineChars. */
  oversized: number;
  otherModel: number;
  otherArtifact: number;
  older: number;
}

const emptyRead = (): ReplayRead => ({
  requests: [],
  invalid: 0,
  oversized: 0,
  otherModel: 0,
  otherArtifact: 0,
  older: 0,
});

/** Counts a line into the read; false once the limit is reached. */
function take(read: ReplayRead, line: string, window: ReplayWindow): boolean {
  if (line.trim() === "") return true;
  const max = window.maxLineChars ?? MAX_REPLAY_LINE_CHARS;
  if (line.length > max) {
    read.oversized++;
    return true;
  }
  let request: SampledRequest;
  try {
    request = parseReplayLine(line, max);
  } catch {
    read.invalid++;
    return true;
  }
  return tally(read, request, window);
}

function tally(read: ReplayRead, request: SampledRequest, window: ReplayWindow): boolean {
  if (request.model !== window.model) read.otherModel++;
  else if (window.sha256 !== undefined && request.sha256 !== window.sha256) read.otherArtifact++;
  else if (window.since !== undefined && Date.parse(request.time) < window.since) read.older++;
  else read.requests.push(request);
  return window.limit === undefined || read.requests.length < window.limit;
}

/** Sample lines already in memory (an exported sample read from a store). */
export function readReplayText(text: string, window: ReplayWindow): ReplayRead {
  const read = emptyRead();
  for (const line of text.split("\n")) if (!take(read, line, window)) break;
  return read;
}

/**
 * A replay sample: a JSON Lines folder of replay-YYYY-MM-DD.jsonl (path or file://), one exported
 * .jsonl file, or a ClickHouse database (http(s)://…/database). Bad lines and other models' or
 * artifacts' requests are skipped and counted.
 */
export async function readReplaySample(uri: string, window: ReplayWindow): Promise<ReplayRead> {
  if (/^https?:\/\//.test(uri)) return readClickHouse(uri, window);
  const path = uri.startsWith("file://") ? fileURLToPath(uri) : resolve(uri);
  const info = await stat(path).catch(() => undefined);
  if (info?.isFile()) return readFiles([path], window);
  if (!info?.isDirectory())
    throw new MonitorError("REPLAY_INVALID", `${path} is neither a replay sample folder nor a .jsonl file`);
  const sinceDay = window.since === undefined ? "" : new Date(window.since).toISOString().slice(0, 10);
  const files = (await readdir(path))
    .filter((f) => (REPLAY_FILE.exec(f)?.[1] ?? "") >= sinceDay && REPLAY_FILE.test(f))
    .sort();
  return readFiles(
    files.map((f) => join(path, f)),
    window,
  );
}

async function readFiles(paths: string[], window: ReplayWindow): Promise<ReplayRead> {
  const read = emptyRead();
  for (const path of paths) {
    const input = createReadStream(path, { encoding: "utf8" });
    const reader = createInterface({ input, crlfDelay: Infinity });
    for await (const line of reader) {
      if (!take(read, line, window)) {
        reader.close();
        input.destroy();
        return read;
      }
    }
  }
  return read;
}

async function readClickHouse(uri: string, window: ReplayWindow): Promise<ReplayRead> {
  const target = parseClickHouseUrl(uri);
  const client = createClient({
    url: target.url,
    username: target.username ?? "default",
    password: target.password ?? "",
  });
  const read = emptyRead();
  try {
    // ClickHouse 18.16 has no query parameters: the values are checked to be plain before they go in
    if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(window.model))
      throw new MonitorError("REPLAY_INVALID", "not a model name");
    // other models' rows are not read at all; other artifacts' are, to be counted
    const where = [`model = '${window.model}'`];
    if (window.since !== undefined) where.push(`time >= toDateTime(${Math.floor(window.since / 1000)})`);
    const result = await client.query({
      query:
        `SELECT toUnixTimestamp(time) AS time, time_ms, request_id, model, version, sha256, route, kind, body ` +
        `FROM ${target.database}.${REPLAY_TABLE} WHERE ${where.join(" AND ")} ORDER BY time, time_ms`,
      format: "JSONEachRow",
    });
    const max = window.maxLineChars ?? MAX_REPLAY_LINE_CHARS;
    let more = true;
    for await (const rows of result.stream<Record<string, unknown>>()) {
      for (const row of rows) {
        if (!more) continue;
        const r = row.json();
        if (typeof r.body === "string" && r.body.length > max) {
          read.oversized++;
          continue;
        }
        let request: SampledRequest;
        try {
          const time = new Date(Number(r.time) * 1000 + Number(r.time_ms)).toISOString();
          const body = r.kind === "json" ? (JSON.parse(String(r.body)) as unknown) : r.body;
          request = checkReplayRecord({ ...r, time, requestId: r.request_id, body });
        } catch {
          read.invalid++;
          continue;
        }
        more = tally(read, request, window);
      }
    }
  } catch (error) {
    if (error instanceof MonitorError) throw error;
    throw new MonitorError(
      "REPLAY_INVALID",
      `reading the replay sample from ClickHouse: ${(error as Error).message}`,
    );
  } finally {
    await client.close();
  }
  return read;
}
