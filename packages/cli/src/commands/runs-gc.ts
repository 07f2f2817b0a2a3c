// `lockstep runs gc`: all but the newest runs of each model deleted, never one the lock pins.
import { existsSync } from "node:fs";
import { assertModelName, gcRuns } from "@lockstep/runs";
import { CliError, EXIT } from "../errors.js";
import { readLockOrEmpty } from "../lock-io.js";
import type { Output } from "../output.js";
import { guarded, pinsBySha, plural, runStore, type StoreOptions } from "./runs-store.js";

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
