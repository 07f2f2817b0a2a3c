// `lockstep runs compare`: runs side by side, row by row, * marking what differs.
import { compareRuns, findRun, type RunRecord } from "@lockstep/runs";
import { CliError, EXIT } from "../errors.js";
import { table, type Output } from "../output.js";
import { guarded, runStore, type StoreOptions } from "./runs-store.js";

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
