import { MonitorError } from "./errors.js";
import { parseCheckedLine } from "./record.js";

/** How a sampled body is held: JSON as itself, an image's bytes as base64. */
export type ReplayBodyKind = "json" | "image";

/** One sampled request as the server received it: what `lockstep replay` sends again. */
export interface ReplayRecord {
  /** ISO-8601 UTC time the request was answered. */
  time: string;
  requestId: string;
  model: string;
  version: string;
  /** The artifact that answered it. */
  sha256: string;
  /** The route it came in on, e.g. /v1/models/co2-forecast/predict. */
  route: string;
  kind: ReplayBodyKind;
  /** The JSON body's text as received (kind json), or the image's bytes in base64 (kind image). */
  body: string;
}

/** A sample line longer than this is refused before it is parsed (the largest body cap plus room). */
export const MAX_REPLAY_LINE_CHARS = 32 * 1024 * 1024;

const NAME = /^[A-Za-z0-9_.:-]{1,128}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const invalid = (message: string): never => {
  throw new MonitorError("REPLAY_INVALID", message);
};

function text(record: Record<string, unknown>, key: string, pattern: RegExp): string {
  const v = record[key];
  if (typeof v !== "string" || !pattern.test(v)) invalid(`"${key}" is missing or malformed`);
  return v as string;
}

/** The fields before the body, time first (a JSON Lines sink reads the day from the line's start). */
function lineHead(record: ReplayRecord): string {
  return (
    `{"time":${JSON.stringify(record.time)},"requestId":${JSON.stringify(record.requestId)},` +
    `"model":${JSON.stringify(record.model)},"version":${JSON.stringify(record.version)},` +
    `"sha256":${JSON.stringify(record.sha256)},"route":${JSON.stringify(record.route)},` +
    `"kind":${JSON.stringify(record.kind)},"body":`
  );
}

/**
 * A sampled request as its JSON Lines line. A JSON body goes in as the value it arrived as (its
 * text, not re-encoded: the line is the one copy; JSON whitespace newlines become spaces), an
 * image's base64 as a string. The server only samples bodies it answered, so the text is JSON.
 */
export function replayLine(record: ReplayRecord): string {
  const body =
    record.kind === "json"
      ? /[\r\n]/.test(record.body)
        ? record.body.replace(/[\r\n]/g, " ")
        : record.body
      : `"${record.body}"`;
  return `${lineHead(record)}${body}}`;
}

/** A sampled request as a ClickHouse JSONEachRow row: the body is a String column, so JSON text is quoted. */
export function replayRow(record: ReplayRecord): string {
  const ms = Date.parse(record.time);
  return (
    `{"time":"${Math.floor(ms / 1000)}","time_ms":${ms % 1000},"request_id":${JSON.stringify(record.requestId)},` +
    `"model":${JSON.stringify(record.model)},"version":${JSON.stringify(record.version)},` +
    `"sha256":${JSON.stringify(record.sha256)},"route":${JSON.stringify(record.route)},` +
    `"kind":${JSON.stringify(record.kind)},"body":${JSON.stringify(record.body)}}`
  );
}

/** A sampled request read back: the record's names, and the request to send again. */
export interface SampledRequest extends Omit<ReplayRecord, "body"> {
  /** The JSON body's value, or the image's bytes. */
  request: unknown;
}

/**
 * Checks a parsed value as a sampled request; throws MonitorError("REPLAY_INVALID") saying what
 * is wrong. A JSON body is its value (a JSON Lines line) or its text (a ClickHouse row).
 */
export function checkReplayRecord(value: unknown): SampledRequest {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    return invalid("a sample record must be a JSON object");
  const r = value as Record<string, unknown>;
  const time = text(r, "time", TIME);
  if (Number.isNaN(Date.parse(time))) invalid(`"time" is not a date: ${time}`);
  const kind = r.kind;
  if (kind !== "json" && kind !== "image") invalid('"kind" must be "json" or "image"');
  let request: unknown = r.body;
  if (request === undefined) invalid('"body" is missing');
  if (kind === "image") {
    if (typeof request !== "string" || !BASE64.test(request)) invalid('an image "body" must be base64');
    request = Buffer.from(request as string, "base64");
  }
  return {
    time,
    requestId: text(r, "requestId", /^[\x21-\x7e]{1,128}$/),
    model: text(r, "model", NAME),
    version: text(r, "version", /^[\x21-\x7e]{1,64}$/),
    sha256: text(r, "sha256", SHA256),
    route: text(r, "route", /^\/[\x21-\x7e]{1,255}$/),
    kind: kind as ReplayBodyKind,
    request,
  };
}

/** One sample line as a record: size-checked before parsing, then shape-checked. */
export function parseReplayLine(line: string, maxChars = MAX_REPLAY_LINE_CHARS): SampledRequest {
  return parseCheckedLine(line, maxChars, checkReplayRecord, invalid);
}
