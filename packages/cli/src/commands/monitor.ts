import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { readLock } from "@lockstep/lockfile";
import { getModel, loadPinnedArtifact } from "@lockstep/models";
import {
  MonitorError,
  monitorHtml,
  monitorMarkdown,
  monitorWindow,
  monitorReportPrefix,
  reportStamp,
  readPredictionLog,
  type LogRead,
  type MonitorResult,
  type ProfileLike,
} from "@lockstep/monitor";
import { exportSample, readSample } from "@lockstep/replay";
import { openStore, parseStoreUri } from "@lockstep/store";
import { CliError, EXIT } from "../errors.js";
import { lockPath } from "../lock-io.js";
import type { Output } from "../output.js";
import { predictData, writePredictions, type DataRun } from "./monitor-data.js";
import { parseEnvironment } from "../params.js";

export interface MonitorCommandOptions {
  env?: string;
  lock?: string;
  /** A JSON Lines folder or a ClickHouse URL (default: $LOCKSTEP_CLICKHOUSE_URL, else .lockstep/predictions). */
  log?: string;
  /** 24h, 7d, 90m or an ISO date (default 7d). */
  since?: string;
  out?: string;
  /** New data to predict and monitor instead of the log (a URI as training takes). */
  data?: string;
  /** Where the batch predictions go with --data (.csv: CSV, else JSON Lines; default <out>/predictions.jsonl). */
  predictions?: string;
  /** Relative worsening of the realised metric tolerated before the model counts as degraded (default 0.25). */
  tolerance?: string;
  /** A store URI the report is also published to (reports/monitor/<model>/<env>/...). */
  store?: string;
  driftShare?: string;
  /** A window without predictions of the pin is healthy (exit 0, no report), not bad input. */
  allowEmpty?: boolean;
  /** Also export the pin's replay sample since --since to --store (data/replay/<model>/), for CI's replay. */
  replayExport?: boolean;
  json?: boolean;
}

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`: a duration back from now (90m, 24h, 7d) or an ISO-8601 date; ms since the epoch. */
export function parseSince(value: string, now = Date.now()): number {
  const duration = /^(\d{1,6})([mhd])$/.exec(value.trim());
  if (duration) return now - Number(duration[1]) * UNITS[duration[2]!]!;
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+Z?)?$/.test(value.trim())) {
    const time = Date.parse(value.trim());
    if (!Number.isNaN(time)) return time;
  }
  throw new CliError(
    `--since must be a duration like 24h, 7d or 90m, or a date like 2026-12-01, got ${JSON.stringify(value.slice(0, 40))}`,
  );
}

function parseTolerance(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const tolerance = Number(value);
  if (!/^\d{0,3}(\.\d+)?$/.test(value) || !(tolerance >= 0 && tolerance <= 10))
    throw new CliError(
      `--tolerance must be a number from 0 to 10 (0.25: 25% worse), got ${JSON.stringify(value.slice(0, 40))}`,
    );
  return tolerance;
}

function parseShare(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const share = Number(value);
  if (!/^(0|1|0?\.\d+)$/.test(value) || !(share > 0 && share <= 1))
    throw new CliError(
      `--drift-share must be a number above 0 and at most 1, got ${JSON.stringify(value.slice(0, 40))}`,
    );
  return share;
}

/**
 * Monitors a pinned model over its logged predictions, or over new data it predicts in a batch
 * (--data: the batch predictions are written, and where the truth has arrived the realised metric
 * is set beside the pinned one): the verified artifact's card gives the reference profile; every
 * profiled feature and prediction field is tested; a JSON result, a Markdown summary and a
 * self-contained HTML report are written. Exit 0 healthy, 1 drift or degraded, 2 bad input.
 */
export async function monitor(
  model: string,
  options: MonitorCommandOptions,
  out: Output,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ exitCode: number; result?: MonitorResult; outDir?: string }> {
  const environment = parseEnvironment(options.env ?? env.LOCKSTEP_ENV);
  const since = parseSince(options.since ?? "7d");
  const driftShare = parseShare(options.driftShare);
  const path = lockPath(options.lock, env);
  const lock = await readLock(path);
  const pin = lock.models[model]?.pins[environment];
  if (!pin) {
    throw new CliError(
      `${model} is not pinned in "${environment}" in ${path} (pinned there: ${
        Object.keys(lock.models)
          .filter((m) => lock.models[m]!.pins[environment])
          .join(", ") || "nothing"
      })`,
      EXIT.usage,
      "MODEL_UNKNOWN",
    );
  }
  const baseDir = dirname(path);
  // a store that cannot be written is known before the window is read
  if (options.store) parseStoreUri(options.store, baseDir);
  if (options.data && options.log)
    throw new CliError("--data and --log name two different windows: give one of them");
  const tolerance = parseTolerance(options.tolerance);
  if (options.replayExport && !options.store) throw new CliError("--replay-export needs --store");
  const artifact = await loadPinnedArtifact(model, pin, { baseDir, env });
  if (options.replayExport)
    await exportReplayWindow(model, pin.sha256, since, options, { baseDir, env }, out);
  const { card } = artifact;
  let result: MonitorResult;
  let data: DataRun | undefined;
  try {
    let read: LogRead;
    if (options.data) {
      data = await predictData(
        getModel(model),
        pin,
        artifact,
        options.data,
        { baseDir, env, tolerance },
        out,
      );
      read = data.read;
    } else {
      const logUri = options.log ?? env.LOCKSTEP_CLICKHOUSE_URL ?? join(baseDir, ".lockstep", "predictions");
      out.progress(
        `${model} v${pin.version} (${environment}): reading predictions since ${new Date(since).toISOString()} from ${logUri}`,
      );
      read = await readPredictionLog(logUri, {
        model,
        sha256: pin.sha256,
        since,
        progress: (lines) => out.progress(`  ${lines.toLocaleString("en")} lines read`),
      });
    }
    result = monitorWindow(
      { model, version: pin.version, sha256: pin.sha256 },
      card.featureProfile as ProfileLike,
      read,
      { driftShare },
    );
  } catch (error) {
    if (!(options.allowEmpty && error instanceof MonitorError && error.code === "LOG_EMPTY")) throw error;
    out.warn(`${error.message}: nothing to monitor (--allow-empty)`);
    return { exitCode: EXIT.ok, outDir: undefined };
  }
  if (data) {
    result.source = "data";
    if (data.realised) {
      result.realised = data.realised;
      if (data.realised.degraded && result.status === "healthy") result.status = "degraded";
    }
  }
  const outDir = resolve(options.out ?? join(baseDir, ".lockstep", "monitor", `${model}-${environment}`));
  await mkdir(outDir, { recursive: true });
  const markdown = monitorMarkdown(result);
  const report: ReportFile[] = [
    { name: "result.json", type: "application/json", text: `${JSON.stringify(result, null, 2)}\n` },
    { name: "summary.md", type: "text/markdown; charset=utf-8", text: markdown },
    { name: "report.html", type: "text/html; charset=utf-8", text: monitorHtml(result) },
  ];
  for (const file of report) await writeFile(join(outDir, file.name), file.text);
  const predictionsAt = data
    ? await writePredictions(options.predictions ?? join(outDir, "predictions.jsonl"), data.predictions, {
        baseDir,
        env,
      })
    : undefined;
  const published = options.store
    ? await publishReport(
        options.store,
        monitorReportPrefix(model, environment),
        report,
        { baseDir, env },
        out,
      )
    : undefined;
  if (options.json) out.json(result);
  else
    out.result(
      `${markdown}\nReport: ${join(outDir, "report.html")}${predictionsAt ? `\nPredictions: ${predictionsAt}` : ""}${published ? `\nPublished: ${published}` : ""}`,
    );
  return { exitCode: result.status === "healthy" ? EXIT.ok : EXIT.failure, result, outDir };
}

/**
 * The pin's replay sample since `since` (ClickHouse where the log is, else the .lockstep/replay
 * folder) to the store, for pull requests' shadow replay; a sample it cannot export is a warning,
 * never the monitor's failure.
 */
async function exportReplayWindow(
  model: string,
  sha256: string,
  since: number,
  options: MonitorCommandOptions,
  io: { baseDir: string; env: NodeJS.ProcessEnv },
  out: Output,
): Promise<void> {
  const log = options.log ?? io.env.LOCKSTEP_CLICKHOUSE_URL;
  const from = log && /^https?:\/\//.test(log) ? log : join(io.baseDir, ".lockstep", "replay");
  try {
    const read = await readSample(from, { model, sha256, since }, io);
    const exported = await exportSample(read, model, options.store!, io);
    out.progress(
      `replay sample: ${exported.requests} requests exported to ${exported.uri} (and ${exported.latest})`,
    );
  } catch (error) {
    out.warn(`replay sample not exported: ${(error as Error).message}`);
  }
}

interface ReportFile {
  name: string;
  type: string;
  text: string;
}

/** A run's folder named by its UTC time, then the same files as latest/; returns the run's folder URI. */
async function publishReport(
  storeUri: string,
  prefix: string,
  files: ReportFile[],
  options: { baseDir: string; env: NodeJS.ProcessEnv },
  out: Output,
): Promise<string> {
  const store = openStore(storeUri, options);
  const stamp = reportStamp(new Date());
  for (const folder of [stamp, "latest"]) {
    for (const file of files) await store.putNamed(`${prefix}/${folder}/${file.name}`, file.text, file.type);
  }
  const uri = `${store.uri.replace(/\/+$/, "")}/${prefix}/${stamp}/`;
  out.progress(`report published to ${uri} (and ${prefix}/latest/)`);
  return uri;
}
