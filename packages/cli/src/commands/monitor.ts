import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { readLock } from "@lockstep/lockfile";
import { loadPinnedArtifact } from "@lockstep/models";
import {
  MonitorError,
  monitorHtml,
  monitorMarkdown,
  monitorWindow,
  readPredictionLog,
  type MonitorResult,
  type ProfileLike,
} from "@lockstep/monitor";
import { openStore, parseStoreUri } from "@lockstep/store";
import { CliError, EXIT } from "../errors.js";
import { lockPath } from "../lock-io.js";
import type { Output } from "../output.js";
import { parseEnvironment } from "../params.js";

export interface MonitorCommandOptions {
  env?: string;
  lock?: string;
  /** A JSON Lines folder or a ClickHouse URL (default: $LOCKSTEP_CLICKHOUSE_URL, else .lockstep/predictions). */
  log?: string;
  /** 24h, 7d, 90m or an ISO date (default 7d). */
  since?: string;
  out?: string;
  /** A store URI the report is also published to (reports/monitor/<model>/<env>/...). */
  store?: string;
  driftShare?: string;
  /** A window without predictions of the pin is healthy (exit 0, no report), not bad input. */
  allowEmpty?: boolean;
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
 * Monitors a pinned model over its logged predictions: the verified artifact's card gives the
 * reference profile; every profiled feature and prediction field is tested; a JSON result, a
 * Markdown summary and a self-contained HTML report are written. Exit 0 healthy, 1 drift, 2 bad input.
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
  const { card } = await loadPinnedArtifact(model, pin, { baseDir, env });
  const logUri = options.log ?? env.LOCKSTEP_CLICKHOUSE_URL ?? join(baseDir, ".lockstep", "predictions");
  out.progress(
    `${model} v${pin.version} (${environment}): reading predictions since ${new Date(since).toISOString()} from ${logUri}`,
  );
  const read = await readPredictionLog(logUri, {
    model,
    sha256: pin.sha256,
    since,
    progress: (lines) => out.progress(`  ${lines.toLocaleString("en")} lines read`),
  });
  let result: MonitorResult;
  try {
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
  const outDir = resolve(options.out ?? join(baseDir, ".lockstep", "monitor", `${model}-${environment}`));
  await mkdir(outDir, { recursive: true });
  const markdown = monitorMarkdown(result);
  const report: ReportFile[] = [
    { name: "result.json", type: "application/json", text: `${JSON.stringify(result, null, 2)}\n` },
    { name: "summary.md", type: "text/markdown; charset=utf-8", text: markdown },
    { name: "report.html", type: "text/html; charset=utf-8", text: monitorHtml(result) },
  ];
  for (const file of report) await writeFile(join(outDir, file.name), file.text);
  const published = options.store
    ? await publishReport(
        options.store,
        `reports/monitor/${model}/${environment}`,
        report,
        { baseDir, env },
        out,
      )
    : undefined;
  if (options.json) out.json(result);
  else
    out.result(
      `${markdown}\nReport: ${join(outDir, "report.html")}${published ? `\nPublished: ${published}` : ""}`,
    );
  return { exitCode: result.status === "drift" ? EXIT.failure : EXIT.ok, result, outDir };
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
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  for (const folder of [stamp, "latest"]) {
    for (const file of files) await store.putNamed(`${prefix}/${folder}/${file.name}`, file.text, file.type);
  }
  const uri = `${store.uri.replace(/\/+$/, "")}/${prefix}/${stamp}/`;
  out.progress(`report published to ${uri} (and ${prefix}/latest/)`);
  return uri;
}
