import { RunsError } from "./errors.js";
import { MODEL_NAME, RUN_ID } from "./id.js";

export const RUN_RECORD_VERSION = 1;
/** The largest record a reader accepts (a report larger than REPORT_INLINE_BYTES is stored beside it). */
export const MAX_RECORD_BYTES = 1024 * 1024;
export const REPORT_INLINE_BYTES = 256 * 1024;

/** What started the training: `lockstep train` or the train action, `verify --reproduce`, `npm start`. */
export type RunKind = "train" | "reproduce" | "start";
export const RUN_KINDS: readonly RunKind[] = ["train", "reproduce", "start"];

/** The data snapshot training took (filled by @lockstep/data's snapshotData when it ran). */
export type RunSnapshot =
  { sha256: string; uri: string; bytes: number; files?: number } | { skipped: string };

/** One training, as written to `runs/<model>/<id>.json`; never changed once written. */
export interface RunRecord {
  runRecordVersion: typeof RUN_RECORD_VERSION;
  id: string;
  model: string;
  kind: RunKind;
  /** ISO time the record was written (the id's time). */
  createdAt: string;
  /** The environment whose pin the gate compared against. */
  environment?: string;
  params: {
    /** What training was asked for: the model's defaults with the caller's over them. */
    asked: Record<string, unknown>;
    /** What training chose itself (tuned params, selected features). */
    chosen?: Record<string, unknown>;
    seed?: number;
  };
  metrics: Record<string, number>;
  /** Seconds per phase (the trainer's own, then `train` and `total`). */
  timings?: Record<string, number>;
  data: { uri: string; sha256: string; rows?: number; snapshot?: RunSnapshot };
  source: { commit?: string; runUrl?: string; runner?: string };
  artifact: { sha256: string; bytes: number; uri: string };
  trainer?: { name: string; version: string };
  /** The gate verdict against the pin of the time. */
  gate: {
    metric: string;
    goal?: "minimize" | "maximize";
    better: boolean;
    reason: string;
    candidate?: number;
    current?: number;
    /** The pin compared against, when there was one. */
    against?: { version: string; sha256: string };
  };
  /** The Markdown report, inline, or the store URI of it when larger than REPORT_INLINE_BYTES. */
  report?: { markdown?: string; uri?: string };
}

const SHA256 = /^[0-9a-f]{64}$/;
export const METRIC = /^[A-Za-z][A-Za-z0-9_.@-]{0,63}$/;
/** A timing's name: a phase as trainers name them ("final model", "cross-validation"). */
export const PHASE = /^[A-Za-z0-9][A-Za-z0-9 _.@()+-]{0,63}$/;
const ENVIRONMENT = /^[a-z0-9][a-z0-9-]{0,62}$/;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Checks a parsed record field by field; throws RunsError("RUN_RECORD_INVALID") saying what is wrong. */
export function validateRecord(value: unknown): RunRecord {
  const fail = (what: string): never => {
    throw new RunsError("RUN_RECORD_INVALID", `not a run record: ${what}`);
  };
  const str = (v: unknown, name: string, max = 2048, pattern?: RegExp): string => {
    if (typeof v !== "string" || v.length > max || (pattern && !pattern.test(v)))
      fail(`${name} is not valid`);
    return v as string;
  };
  const optStr = (v: unknown, name: string, max = 2048, pattern?: RegExp) =>
    v === undefined ? undefined : str(v, name, max, pattern);
  const num = (v: unknown, name: string): number => {
    if (typeof v !== "number" || !Number.isFinite(v)) fail(`${name} is not a finite number`);
    return v as number;
  };
  const numbers = (v: unknown, name: string, pattern = METRIC): Record<string, number> => {
    if (!isObject(v)) fail(`${name} is not an object`);
    for (const [key, n] of Object.entries(v as Json)) {
      str(key, `${name} name`, 64, pattern);
      num(n, `${name}.${key}`);
    }
    return v as Record<string, number>;
  };
  if (!isObject(value)) return fail("not a JSON object");
  const r = value;
  if (r.runRecordVersion !== RUN_RECORD_VERSION) fail(`runRecordVersion is not ${RUN_RECORD_VERSION}`);
  str(r.id, "id", 40, RUN_ID);
  str(r.model, "model", 63, MODEL_NAME);
  if (!RUN_KINDS.includes(r.kind as RunKind)) fail("kind is not train, reproduce or start");
  if (Number.isNaN(Date.parse(str(r.createdAt, "createdAt", 40)))) fail("createdAt is not a time");
  optStr(r.environment, "environment", 63, ENVIRONMENT);
  const params = isObject(r.params) ? r.params : fail("params is not an object");
  if (!isObject(params.asked)) fail("params.asked is not an object");
  if (params.chosen !== undefined && !isObject(params.chosen)) fail("params.chosen is not an object");
  if (params.seed !== undefined) num(params.seed, "params.seed");
  numbers(r.metrics, "metrics");
  if (r.timings !== undefined) numbers(r.timings, "timings", PHASE);
  const data = isObject(r.data) ? r.data : fail("data is not an object");
  str(data.uri, "data.uri", 4096);
  str(data.sha256, "data.sha256", 64, SHA256);
  if (data.rows !== undefined) num(data.rows, "data.rows");
  if (data.snapshot !== undefined) {
    const s = isObject(data.snapshot) ? data.snapshot : fail("data.snapshot is not an object");
    if (s.skipped !== undefined) str(s.skipped, "data.snapshot.skipped");
    else {
      str(s.sha256, "data.snapshot.sha256", 64, SHA256);
      str(s.uri, "data.snapshot.uri", 4096);
      num(s.bytes, "data.snapshot.bytes");
      if (s.files !== undefined) num(s.files, "data.snapshot.files");
    }
  }
  const source = isObject(r.source) ? r.source : fail("source is not an object");
  optStr(source.commit, "source.commit", 64);
  optStr(source.runUrl, "source.runUrl", 2048);
  optStr(source.runner, "source.runner", 256);
  const artifact = isObject(r.artifact) ? r.artifact : fail("artifact is not an object");
  str(artifact.sha256, "artifact.sha256", 64, SHA256);
  num(artifact.bytes, "artifact.bytes");
  str(artifact.uri, "artifact.uri", 4096);
  if (r.trainer !== undefined) {
    const t = isObject(r.trainer) ? r.trainer : fail("trainer is not an object");
    str(t.name, "trainer.name", 128);
    str(t.version, "trainer.version", 64);
  }
  const gate = isObject(r.gate) ? r.gate : fail("gate is not an object");
  str(gate.metric, "gate.metric", 64, METRIC);
  if (gate.goal !== undefined && gate.goal !== "minimize" && gate.goal !== "maximize")
    fail("gate.goal is not minimize or maximize");
  if (typeof gate.better !== "boolean") fail("gate.better is not true or false");
  str(gate.reason, "gate.reason", 4096);
  if (gate.candidate !== undefined) num(gate.candidate, "gate.candidate");
  if (gate.current !== undefined) num(gate.current, "gate.current");
  if (gate.against !== undefined) {
    const a = isObject(gate.against) ? gate.against : fail("gate.against is not an object");
    str(a.version, "gate.against.version", 64);
    str(a.sha256, "gate.against.sha256", 64, SHA256);
  }
  if (r.report !== undefined) {
    const report = isObject(r.report) ? r.report : fail("report is not an object");
    optStr(report.markdown, "report.markdown", REPORT_INLINE_BYTES);
    optStr(report.uri, "report.uri", 4096);
  }
  return value as unknown as RunRecord;
}

/** Parses a record's bytes (JSON), checking that it is one and is the one its key names. */
export function parseRecord(bytes: Uint8Array, expected?: { model: string; id: string }): RunRecord {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (error) {
    throw new RunsError("RUN_RECORD_INVALID", `not a run record: not JSON (${(error as Error).message})`);
  }
  const record = validateRecord(value);
  if (expected && (record.model !== expected.model || record.id !== expected.id))
    throw new RunsError(
      "RUN_RECORD_INVALID",
      `not the record its key names: it says ${record.model}/${record.id}, stored as ${expected.model}/${expected.id}`,
    );
  return record;
}
