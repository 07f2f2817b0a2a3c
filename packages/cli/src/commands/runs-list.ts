// `lockstep runs list`: the runs through each model's index, filtered and sorted, with the pins of
// their artifacts.
import type { LockFile } from "@lockstep/lockfile";
import {
  assertModelName,
  listRuns,
  parseCondition,
  parseSince,
  parseSort,
  type RunListing,
  type RunSummary,
} from "@lockstep/runs";
import { CliError, EXIT } from "../errors.js";
import { readLockOrEmpty } from "../lock-io.js";
import { table, type Output } from "../output.js";
import { parseEnvironment } from "../params.js";
import { guarded, pinsBySha, plural, runStore, type StoreOptions } from "./runs-store.js";

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
