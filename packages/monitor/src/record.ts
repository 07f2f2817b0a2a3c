import { MonitorError } from "./errors.js";

/** A feature or prediction field: a number (finite) or a category. */
export type FieldValue = number | string;

/** One answered prediction, as the server logs it: what the model saw and answered, never raw inputs. */
export interface PredictionRecord {
  /** ISO-8601 UTC time the answer was sent. */
  time: string;
  requestId: string;
  model: string;
  version: string;
  sha256: string;
  /** The model's input features as its spec defines them (the names of the card's profile). */
  features: Record<string, FieldValue>;
  /** The answer's prediction fields as the spec defines them (the card's prediction profile names). */
  prediction: Record<string, FieldValue>;
  latencyMs: number;
  cached: boolean;
}

/** A log line longer than this is refused before it is parsed. */
export const MAX_RECORD_BYTES = 64 * 1024;
/** Fields per record (features or prediction): more is refused. */
export const MAX_FIELDS = 256;

const NAME = /^[A-Za-z0-9_.:-]{1,128}$/;
const SHA256 = /^[0-9a-f]{64}$/;

const invalid = (message: string): never => {
  throw new MonitorError("RECORD_INVALID", message);
};

function fields(value: unknown, what: string): Record<string, FieldValue> {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    return invalid(`${what} must be an object`);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_FIELDS) invalid(`${what} has ${entries.length} fields, more than ${MAX_FIELDS}`);
  const out: Record<string, FieldValue> = {};
  for (const [name, v] of entries) {
    if (!NAME.test(name)) invalid(`${what}: "${name.slice(0, 40)}" is not a field name`);
    if (typeof v === "number") {
      if (!Number.isFinite(v)) invalid(`${what}.${name} is not a finite number`);
    } else if (typeof v !== "string" || v.length > 256) {
      invalid(`${what}.${name} must be a finite number or a string of at most 256 characters`);
    }
    out[name] = v as FieldValue;
  }
  return out;
}

function text(record: Record<string, unknown>, key: string, pattern: RegExp): string {
  const v = record[key];
  if (typeof v !== "string" || !pattern.test(v)) invalid(`"${key}" is missing or malformed`);
  return v as string;
}

/** Checks a parsed value as a PredictionRecord; throws MonitorError("RECORD_INVALID") saying what is wrong. */
export function checkRecord(value: unknown): PredictionRecord {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    return invalid("a record must be a JSON object");
  const r = value as Record<string, unknown>;
  const time = text(r, "time", /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/);
  if (Number.isNaN(Date.parse(time))) invalid(`"time" is not a date: ${time}`);
  const latencyMs = r.latencyMs;
  if (typeof latencyMs !== "number" || !Number.isFinite(latencyMs) || latencyMs < 0)
    invalid('"latencyMs" must be a finite number >= 0');
  if (typeof r.cached !== "boolean") invalid('"cached" must be true or false');
  return {
    time,
    requestId: text(r, "requestId", /^[\x21-\x7e]{1,128}$/),
    model: text(r, "model", NAME),
    version: text(r, "version", /^[\x21-\x7e]{1,64}$/),
    sha256: text(r, "sha256", SHA256),
    features: fields(r.features, "features"),
    prediction: fields(r.prediction, "prediction"),
    latencyMs: latencyMs as number,
    cached: r.cached as boolean,
  };
}

/** A JSON Lines line checked by `check`: its size before it is parsed, then its shape. */
export function parseCheckedLine<T>(
  line: string,
  maxChars: number,
  check: (value: unknown) => T,
  refuse: (message: string) => never,
): T {
  if (line.length > maxChars) refuse(`the line is longer than ${maxChars} characters`);
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return refuse("the line is not JSON");
  }
  return check(value);
}

/** One JSON Lines line as a record: size-checked before parsing, then shape-checked. */
export function parseRecordLine(line: string): PredictionRecord {
  return parseCheckedLine(line, MAX_RECORD_BYTES, checkRecord, invalid);
}

/** The JSON of a cached answer's fields, made once per object: a cache hit repeats the same objects. */
const fieldsJson = new WeakMap<object, string>();

function jsonOfFields(fields: Record<string, FieldValue>): string {
  let json = fieldsJson.get(fields);
  if (json === undefined) fieldsJson.set(fields, (json = JSON.stringify(fields)));
  return json;
}

/** The last time's JSON and the last pin's `,"model":…,"sha256":…` (records come in runs of both). */
let lastTime = "";
let lastTimeJson = '""';
let lastPin = { model: "", version: "", sha256: "", json: "" };

function pinJson(model: string, version: string, sha256: string): string {
  const pin = lastPin;
  if (pin.model === model && pin.version === version && pin.sha256 === sha256) return pin.json;
  const json = `,"model":${JSON.stringify(model)},"version":${JSON.stringify(version)},"sha256":${JSON.stringify(sha256)}`;
  lastPin = { model, version, sha256, json };
  return json;
}

/**
 * A record as its JSON Lines line, time first. A cached answer's features and prediction are
 * encoded once per object, its time once per millisecond and its pin once per pin (formatting is
 * most of a line's cost); any other record made in field order (as the server makes them) is
 * stringified as it is, without a copy. Either way the line is what JSON.stringify would make.
 */
export function recordJson(record: PredictionRecord): string {
  if (record.cached) {
    const { time, requestId, model, version, sha256, features, prediction, latencyMs } = record;
    if (time !== lastTime) lastTimeJson = JSON.stringify((lastTime = time));
    return (
      `{"time":${lastTimeJson},"requestId":${JSON.stringify(requestId)}${pinJson(model, version, sha256)},` +
      `"features":${jsonOfFields(features)},"prediction":${jsonOfFields(prediction)},` +
      `"latencyMs":${JSON.stringify(latencyMs)},"cached":true}`
    );
  }
  for (const key in record) {
    if (key === "time") return JSON.stringify(record);
    break;
  }
  const { time, ...rest } = record;
  return JSON.stringify({ time, ...rest });
}

let clockMs = -1;
let clockIso = "";

/** The current time as ISO-8601 UTC, formatted once per millisecond (many records share one). */
export function isoNow(): string {
  const ms = Date.now();
  if (ms !== clockMs) {
    clockMs = ms;
    clockIso = new Date(ms).toISOString();
  }
  return clockIso;
}
