import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { Command } from "commander";
import type { LockFile } from "@lockstep/lockfile";
import {
  assertModelName,
  compareRuns,
  findRun,
  gcRuns,
  listRuns,
  parseCondition,
  parseSince,
  parseSort,
  RunsError,
  type RunListing,
  type RunRecord,
  type RunStore,
  type RunSummary,
} from "@lockstep/runs";
import { openStore } from "@lockstep/store";
import { CliError, EXIT } from "../errors.js";
import { lockPath, readLockOrEmpty } from "../lock-io.js";
import { table, type Output } from "../output.js";
import { parseEnvironment } from "../params.js";
import type { ProgramState } from "../run-program.js";
import { defaultStore } from "./train.js";

interface StoreOptions {
  store?: string;
  lock?: string;
}

/** The store runs are read from: --store, else $LOCKSTEP_STORE, else the lock's folder's .lockstep/store. */
function runStore(options: StoreOptions): { store: RunStore; lockFile: string } {
  const lockFile = lockPath(options.lock);
  return { store: openStore(options.store ?? defaultStore(), { baseDir: dirname(lockFile) }), lockFile };
}

/** Bad input from @lockstep/runs (ids, filters) exits 2; a malformed record in the store exits 1. */
async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RunsError)
      throw new CliError(
        error.message,
        error.code === "RUN_RECORD_INVALID" ? EXIT.failure : EXIT.usage,
        error.code,
      );
    throw error;
  }
}

/** Environments pinning each artifact sha256, from the lock (empty when there is no lock). */
function pinsBySha(lock: LockFile): Map<string, string[]> {
  const pins = new Map<string, string[]>();
  for (const [model, entry] of Object.entries(lock.models))
    for (const [env, pin] of Object.entries(entry.pins))
      pins.set(pin.sha256, [...(pins.get(pin.sha256) ?? []), `${model}@${env}`]);
  return pins;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function warnSkipped(listing: Pick<RunListing, "skipped">, out: Output): void {
  if (listing.skipped.length === 0) return;
  out.warn(
    `${plural(listing.skipped.length, "record")} skipped (malformed or foreign, not listed): ${listing.skipped
      .slice(0, 5)
      .map((s) => `${s.key}: ${s.reason}`)
      .join("; ")}${listing.skipped.length > 5 ? "; …" : ""}`,
  );
}

export interface RunsListOptions extends StoreOptions {
  full?: boolean;
  env?: string;
  since?: string;
  where?: string[];
  sort?: string;
  limit?: string;
  json?: boolean;
}

export async function runsList(
  model: string | undefined,
  options: RunsListOptions,
  out: Output,
): Promise<number> {
  return guarded(async () => {
    if (model !== undefined) assertModelName(model);
    const where = (options.where ?? []).map(parseCondition);
    const sort = options.sort ? parseSort(options.sort) : undefined;
    const since = options.since ? parseSince(options.since) : undefined;
    const environment = options.env ? parseEnvironment(options.env) : undefined;
    const limit = options.limit === undefined ? undefined : Number(options.limit);
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1))
      throw new CliError(`--limit must be a positive whole number, got ${JSON.stringify(options.limit)}`);
    const { store, lockFile } = runStore(options);
    const listing = await listRuns(store, { model, where, sort, since, environment, full: options.full });
    const runs = limit ? listing.runs.slice(0, limit) : listing.runs;
    const pinned = pinsBySha(
      await readLockOrEmpty(lockFile).catch(() => ({ models: {} }) as unknown as LockFile),
    );
    for (const { model: m, reason } of listing.damaged)
      out.progress(`runs/${m}/index.json ${reason}: rebuilt from the records`);
    for (const { model: m, error } of listing.repairErrors)
      out.progress(`runs/${m}/index.json not updated (${error}); listing from the records`);
    warnSkipped(listing, out);
    if (options.json) {
      out.json({
        store: store.uri,
        runs: runs.map((r) => ({ ...r, pinned: pinned.get(r.sha256) ?? [] })),
        total: listing.total,
        matched: listing.runs.length,
        skipped: listing.skipped,
        index: {
          fromIndex: listing.fromIndex,
          fromRecords: listing.fromRecords,
          stale: listing.stale,
          repaired: listing.repaired,
        },
      });
      return EXIT.ok;
    }
    const extra = [
      ...new Set([...where.map((c) => c.metric), ...(sort && sort.key !== "created" ? [sort.key] : [])]),
    ];
    const rows = [["model", "id", "kind", "env", "gate metric", ...extra, "gate", "sha256", "pinned"]];
    const value = (run: RunSummary, metric: string) =>
      Object.hasOwn(run.metrics, metric) ? String(run.metrics[metric]) : "-";
    for (const run of runs)
      rows.push([
        run.model,
        run.id,
        run.kind,
        run.environment ?? "-",
        `${run.gateMetric}=${value(run, run.gateMetric)}`,
        ...extra.map((m) => value(run, m)),
        run.better ? "passes" : "fails",
        run.sha256.slice(0, 12),
        (pinned.get(run.sha256) ?? []).join(",") || "-",
      ]);
    out.result(
      runs.length === 0 ? `no runs${listing.total > 0 ? " match" : ""} in ${store.uri}` : table(rows),
    );
    out.result(
      `\n${plural(runs.length, "run")} shown of ${listing.runs.length} matching, ${listing.total} in all ` +
        `(${listing.fromIndex} from the index, ${listing.fromRecords} read from records${listing.skipped.length ? `, ${listing.skipped.length} skipped` : ""})`,
    );
    return EXIT.ok;
  });
}

function renderRecord(record: RunRecord): string {
  const lines: string[][] = [
    ["run", `${record.model}/${record.id}`],
    ["kind", record.kind],
    ["created", record.createdAt],
    ["env", record.environment ?? "-"],
    [
      "gate",
      `${record.gate.better ? "passes" : "does not pass"}: ${record.gate.reason}` +
        (record.gate.against
          ? ` (against v${record.gate.against.version} ${record.gate.against.sha256.slice(0, 12)})`
          : ""),
    ],
    ["artifact", `${record.artifact.uri} (${record.artifact.bytes} bytes)`],
    [
      "data",
      `${record.data.uri} (sha256 ${record.data.sha256.slice(0, 12)}${record.data.rows !== undefined ? `, ${record.data.rows} rows` : ""})`,
    ],
  ];
  const snapshot = record.data.snapshot;
  if (snapshot)
    lines.push([
      "snapshot",
      "skipped" in snapshot ? `skipped: ${snapshot.skipped}` : `${snapshot.uri} (${snapshot.bytes} bytes)`,
    ]);
  lines.push(
    ["commit", record.source.commit ?? "-"],
    ["run url", record.source.runUrl ?? "-"],
    ["runner", record.source.runner ?? "-"],
    ["trainer", record.trainer ? `${record.trainer.name} ${record.trainer.version}` : "-"],
    ["report", record.report?.uri ?? (record.report?.markdown ? "inline (--report prints it)" : "-")],
  );
  const values = (title: string, entries: Record<string, unknown> | undefined) =>
    entries && Object.keys(entries).length > 0
      ? `\n${title}\n${table([["name", "value"], ...Object.entries(entries).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])]).replace(/^/gm, "  ")}`
      : "";
  return (
    table(lines) +
    values("params (asked)", record.params.asked) +
    values("params (chosen by training)", record.params.chosen) +
    values("metrics", record.metrics) +
    values("timings (s)", record.timings)
  );
}

export async function runsShow(
  id: string,
  options: StoreOptions & { json?: boolean; report?: boolean },
  out: Output,
): Promise<number> {
  return guarded(async () => {
    const record = await findRun(runStore(options).store, id);
    if (options.json) out.json(record);
    else if (options.report) {
      if (record.report?.markdown) out.result(record.report.markdown);
      else if (record.report?.uri) out.result(`the report is stored at ${record.report.uri}`);
      else out.result("this run has no report");
    } else out.result(renderRecord(record));
    return EXIT.ok;
  });
}

export const MAX_COMPARED = 20;

export async function runsCompare(
  ids: string[],
  options: StoreOptions & { json?: boolean; diff?: boolean },
  out: Output,
): Promise<number> {
  return guarded(async () => {
    if (ids.length < 2 || ids.length > MAX_COMPARED)
      throw new CliError(`compare takes 2 to ${MAX_COMPARED} run ids, got ${ids.length}`);
    const { store } = runStore(options);
    const records: RunRecord[] = [];
    for (const id of ids) records.push(await findRun(store, id));
    const comparison = compareRuns(records);
    if (options.json) {
      out.json(comparison);
      return EXIT.ok;
    }
    const rows = comparison.rows.filter((r) => !options.diff || r.differs);
    const header = ["", "", ...records.map((r) => r.id)];
    const body = rows.map((r) => [r.differs ? "*" : "", `${r.section}.${r.name}`, ...r.values]);
    out.result(table([header, ...body]));
    const differing = comparison.rows.filter((r) => r.differs).length;
    out.result(`\n* differs between the runs (${differing} of ${comparison.rows.length} rows)`);
    return EXIT.ok;
  });
}

export async function runsGc(
  options: StoreOptions & { keep?: string; model?: string; dryRun?: boolean; json?: boolean },
  out: Output,
): Promise<number> {
  return guarded(async () => {
    const keep = Number(options.keep);
    if (options.keep === undefined || !/^\d{1,9}$/.test(options.keep) || !Number.isSafeInteger(keep))
      throw new CliError(
        `--keep must be a whole number of runs to keep per model, got ${JSON.stringify(options.keep)}`,
      );
    if (options.model !== undefined) assertModelName(options.model);
    const { store, lockFile } = runStore(options);
    // without the lock, nothing says which runs are pinned: refuse rather than delete one
    if (!existsSync(lockFile))
      throw new CliError(`gc needs the lock to keep pinned runs: ${lockFile} does not exist (give --lock)`);
    const pinned = new Set(pinsBySha(await readLockOrEmpty(lockFile)).keys());
    const result = await gcRuns(store, { keep, pinned, model: options.model, dryRun: options.dryRun });
    if (options.json) out.json({ dryRun: Boolean(options.dryRun), ...result });
    else {
      const verb = options.dryRun ? "would delete" : "deleted";
      for (const run of result.deleted) out.progress(`${verb} ${run.model}/${run.id}`);
      out.result(
        `${verb} ${plural(result.deleted.length, "run")}; kept ${result.kept} newest and ${result.pinned.length} pinned`,
      );
    }
    for (const { id, error } of result.errors) out.warn(`could not delete ${id}: ${error}`);
    return result.errors.length > 0 ? EXIT.failure : EXIT.ok;
  });
}

const storeOption = [
  "--store <uri>",
  "artifact store: file://DIR or s3://bucket/prefix (default $LOCKSTEP_STORE or file://.lockstep/store beside the lock)",
] as const;
const lockOption = ["--lock <file>", "lock file (default $LOCKSTEP_LOCK or ./models.lock.json)"] as const;

/** `lockstep runs`: list, show, compare and collect the run records training writes to the store. */
export function runsCommand(out: Output, state: ProgramState): Command {
  const runs = new Command("runs").description(
    "the run records every training writes to the store: list, show, compare, gc",
  );
  runs
    .command("list")
    .description("list runs, newest first, through each model's index")
    .argument("[model]", "one model's runs (default every model's)")
    .option("--env <name>", "only runs gated against this environment's pin")
    .option("--since <when>", "only runs since a date (2026-12-01), a time, or an age (12h, 7d, 2w)")
    .option(
      "--where <condition>",
      "only runs whose metric satisfies METRIC OP NUMBER, e.g. 'mape_h12<0.11' (OP: < <= > >= = !=; repeatable)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option("--sort <metric>", "sort by a metric, ascending (-metric: descending), or created")
    .option("--limit <n>", "show at most n runs")
    .option(
      "--full",
      "compare each index with every record key (a listing does so once a day; otherwise with the recent days' keys)",
    )
    .option(...storeOption)
    .option(...lockOption)
    .option("--json", "print the runs as JSON")
    .action(async (model: string | undefined, options) => {
      state.code = await runsList(model, options, out);
    });
  runs
    .command("show")
    .description("print one run's record")
    .argument("<id>", "the run: ID or MODEL/ID")
    .option("--report", "print the run's Markdown report")
    .option(...storeOption)
    .option(...lockOption)
    .option("--json", "print the record as JSON")
    .action(async (id: string, options) => {
      state.code = await runsShow(id, options, out);
    });
  runs
    .command("compare")
    .description("params, choices, metrics and timings of runs side by side; * marks what differs")
    .argument("<ids...>", "2 to 20 runs: ID or MODEL/ID")
    .option("--diff", "only the rows that differ")
    .option(...storeOption)
    .option(...lockOption)
    .option("--json", "print the comparison as JSON")
    .action(async (ids: string[], options) => {
      state.code = await runsCompare(ids, options, out);
    });
  runs
    .command("gc")
    .description("delete all but the newest N runs of each model; never a run whose artifact the lock pins")
    .requiredOption("--keep <n>", "runs to keep per model")
    .option("--model <name>", "only this model's runs")
    .option("--dry-run", "say what would be deleted, delete nothing")
    .option(...storeOption)
    .option(...lockOption)
    .option("--json", "print what was deleted and kept as JSON")
    .action(async (options) => {
      state.code = await runsGc(options, out);
    });
  return runs;
}
