import { Command } from "commander";
import type { Output } from "../output.js";
import type { ProgramState } from "../run-program.js";
import { runsCompare } from "./runs-compare.js";
import { runsGc } from "./runs-gc.js";
import { runsList } from "./runs-list.js";
import { runsShow } from "./runs-show.js";

export { MAX_COMPARED, runsCompare } from "./runs-compare.js";
export { runsGc } from "./runs-gc.js";
export { runsList, type RunsListOptions } from "./runs-list.js";
export { runsShow } from "./runs-show.js";

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
