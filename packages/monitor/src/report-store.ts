import type { MonitorResult } from "./batch-monitor.js";
import { MonitorError } from "./errors.js";

/*
 * Where `lockstep monitor --store` publishes its reports, and how a reader (the promotion pull
 * request, verify's promotion check) takes the latest one back. Each run writes
 * reports/monitor/<model>/<env>/<UTC stamp>/ and the same files again under .../latest/.
 */

export const REPORT_FILES = ["result.json", "summary.md", "report.html"] as const;
/** The largest result.json read back: a report is a few kilobytes of columns and histograms. */
export const MAX_REPORT_BYTES = 4 * 1024 * 1024;

/** The folder of a model's reports in an environment: reports/monitor/<model>/<env>. */
export const monitorReportPrefix = (model: string, environment: string) =>
  `reports/monitor/${model}/${environment}`;

/** A run's folder name: its UTC time as 20261207T054700Z. */
export const reportStamp = (time: Date) =>
  time
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");

/** What a reader needs of a published report (the rest of result.json is the HTML's). */
export interface PublishedReport {
  key: string;
  model: string;
  version: string;
  sha256: string;
  status: MonitorResult["status"];
  source: "log" | "data";
  records: number;
  from?: string;
  to?: string;
  driftShare: number;
  /** Drifted columns' names (features, then predictions). */
  drifted: string[];
  realised?: { metric: string; value: number; degraded: boolean };
}

/** Only the store's named read: a file:// or s3:// store from @lockstep/store. */
export interface ReportReader {
  getNamed(key: string, options?: { maxBytes?: number }): Promise<Buffer | undefined>;
}

const STATUSES = new Set(["healthy", "drift", "degraded"]);
const isIso = (v: unknown) => typeof v === "string" && v.length <= 40 && !Number.isNaN(Date.parse(v));

/** result.json's text checked for what a reader relies on; REPORT_INVALID says which field is wrong. */
export function parsePublishedReport(text: string, key: string): PublishedReport {
  const bad = (why: string) => new MonitorError("REPORT_INVALID", `the monitor report ${key} ${why}`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw bad("is not JSON");
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw bad("is not a JSON object");
  const r = raw as Record<string, unknown>;
  const window = r.window as Record<string, unknown> | undefined;
  if (typeof r.model !== "string") throw bad("names no model");
  if (typeof r.version !== "string") throw bad("names no version");
  if (typeof r.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(r.sha256)) throw bad("names no sha256");
  if (typeof r.status !== "string" || !STATUSES.has(r.status))
    throw bad(`has status ${JSON.stringify(String(r.status).slice(0, 40))}, not healthy, drift or degraded`);
  if (typeof window !== "object" || window === null || !Number.isInteger(window.records))
    throw bad("has no window.records");
  if ((window.from !== undefined && !isIso(window.from)) || (window.to !== undefined && !isIso(window.to)))
    throw bad("has a window time that is not an ISO date");
  const driftShare = typeof r.driftShare === "number" && Number.isFinite(r.driftShare) ? r.driftShare : 0;
  const columns = [
    ...(Array.isArray(r.features) ? r.features : []),
    ...(Array.isArray(r.predictions) ? r.predictions : []),
  ];
  const drifted = columns
    .filter((c): c is { column: string; drift: true } => typeof c?.column === "string" && c.drift === true)
    .map((c) => c.column.slice(0, 80))
    .slice(0, 50);
  const realised = r.realised as Record<string, unknown> | undefined;
  return {
    key,
    model: r.model,
    version: r.version,
    sha256: r.sha256,
    status: r.status as PublishedReport["status"],
    source: r.source === "data" ? "data" : "log",
    records: window.records as number,
    ...(window.from ? { from: window.from as string } : {}),
    ...(window.to ? { to: window.to as string } : {}),
    driftShare,
    drifted,
    ...(realised && typeof realised.metric === "string" && typeof realised.value === "number"
      ? { realised: { metric: realised.metric, value: realised.value, degraded: realised.degraded === true } }
      : {}),
  };
}

/**
 * The latest report of a model in an environment, or undefined when none was published. One for
 * another model, or (given `sha256`) another artifact, is REPORT_MISMATCH: the newest run judged a
 * different pin, so it says nothing of this one.
 */
export async function readLatestReport(
  store: ReportReader,
  model: string,
  environment: string,
  sha256?: string,
): Promise<PublishedReport | undefined> {
  const key = `${monitorReportPrefix(model, environment)}/latest/result.json`;
  const bytes = await store.getNamed(key, { maxBytes: MAX_REPORT_BYTES });
  if (bytes === undefined) return undefined;
  const report = parsePublishedReport(bytes.toString("utf8"), key);
  if (report.model !== model)
    throw new MonitorError(
      "REPORT_MISMATCH",
      `the monitor report ${key} is for ${report.model.slice(0, 60)}, not ${model}`,
    );
  if (sha256 !== undefined && report.sha256 !== sha256)
    throw new MonitorError(
      "REPORT_MISMATCH",
      `the latest monitor report of ${model} in ${environment} judged ${report.sha256.slice(0, 12)} (v${report.version.slice(0, 40)}), not ${sha256.slice(0, 12)}: no report of this pin since it was pinned there`,
    );
  return report;
}
