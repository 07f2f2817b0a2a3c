import { Command } from "commander";
import type { Output } from "../output.js";
import type { ProgramState } from "../run-program.js";
import { monitor } from "./monitor.js";

/** `lockstep monitor`: shared by the full CLI and the image's monitor-only `lockstep`. */
export function monitorCommand(out: Output, state: ProgramState): Command {
  return new Command("monitor")
    .description(
      "test a pinned model's logged predictions, or new data it predicts, against its card; exit 1 on drift or degradation",
    )
    .argument("<model>", "the model (co2-forecast, btc-signal, fish-classifier)")
    .option("--env <name>", "the environment whose pin is monitored (default $LOCKSTEP_ENV or staging)")
    .option("--lock <file>", "lock file (default $LOCKSTEP_LOCK or ./models.lock.json)")
    .option(
      "--log <uri>",
      "the prediction log: a JSON Lines folder or http(s)://host:8123/database (default $LOCKSTEP_CLICKHOUSE_URL, else .lockstep/predictions)",
    )
    .option(
      "--data <uri>",
      "new data to predict with the pin instead of the log: file://, https://, s3://, npm: or a path, as training reads it",
    )
    .option(
      "--predictions <uri>",
      "with --data, where the batch predictions go: a path, file:// or s3://bucket/key; .csv gives CSV (default <out>/predictions.jsonl)",
    )
    .option(
      "--tolerance <share>",
      "with --data, how much worse than the pinned metric the realised one may be before exit 1 (default 0.25)",
    )
    .option("--since <when>", "the log's window: 90m, 24h, 7d or a date (default 7d)")
    .option(
      "--out <dir>",
      "where result.json, summary.md and report.html go (default .lockstep/monitor/<model>-<env>)",
    )
    .option(
      "--store <uri>",
      "also publish the report to this store, under reports/monitor/<model>/<env>/<time>/ and .../latest/",
    )
    .option("--drift-share <share>", "share of drifted columns at which the window drifts (default 0.5)")
    .option("--allow-empty", "exit 0 without a report when the window holds no predictions of the pin")
    .option(
      "--replay-export",
      "also export the pin's replay sample since --since to --store, as data/replay/<model>/<time>.jsonl and latest.jsonl (lockstep replay --from)",
    )
    .option("--json", "print the result as JSON")
    .action(async (model: string, options) => {
      state.code = (await monitor(model, options, out)).exitCode;
    });
}
