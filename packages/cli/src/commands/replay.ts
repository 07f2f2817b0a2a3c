import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Command } from "commander";
import { readLock } from "@lockstep/lockfile";
import { getModel } from "@lockstep/models";
import { parseCandidate } from "@lockstep/proposal";
import { defaultCandidatePath } from "@lockstep/proposal";
import { exportSample, readSample, replayAgainstPin, replayJson, replayMarkdown } from "@lockstep/replay";
import { CliError, EXIT } from "../errors.js";
import { lockPath } from "../lock-io.js";
import type { Output } from "../output.js";
import { parseEnvironment } from "../params.js";
import type { ProgramState } from "../run-program.js";
import { parseSince } from "./monitor.js";
import { defaultStore } from "./train.js";

export interface ReplayCommandOptions {
  env?: string;
  lock?: string;
  candidate?: string;
  from?: string;
  limit?: string;
  since?: string;
  store?: string;
  config?: string;
  json?: boolean;
}

/** The sample's default: ClickHouse where the server logs there, else the JSON Lines folder beside the lock. */
export const defaultSample = (baseDir: string, env: NodeJS.ProcessEnv) =>
  env.LOCKSTEP_CLICKHOUSE_URL?.trim() || join(baseDir, ".lockstep", "replay");

function parseLimit(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,7}$/.test(value) || Number(value) < 1)
    throw new CliError(
      `--limit must be a whole number from 1 to 9999999, got ${JSON.stringify(value.slice(0, 40))}`,
    );
  return Number(value);
}

/** The trained candidate's pin (`.lockstep/candidates/<model>.<env>.json`): what replay runs without --candidate. */
async function trainedCandidate(baseDir: string, model: string, environment: string) {
  const path = defaultCandidatePath(baseDir, model, environment);
  const text = await readFile(path, "utf8").catch(() => {
    throw new CliError(
      `no --candidate and no trained candidate at ${path}: train one (lockstep train ${model} --env ${environment}) or name a file or sha256`,
      EXIT.usage,
      "CANDIDATE_MISSING",
    );
  });
  return parseCandidate(text, path).pin;
}

/**
 * `lockstep replay <model>`: the sampled requests of the environment's pin through that pin and a
 * candidate, and what the canary would find. Exit 0 when the canary is predicted to pass, 1 when
 * it is predicted to fail or stay inconclusive, 2 on bad input (an empty sample, a candidate that
 * does not match its sha256).
 */
export async function replayCommand(
  model: string,
  options: ReplayCommandOptions,
  out: Output,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  getModel(model);
  const environment = parseEnvironment(options.env ?? env.LOCKSTEP_ENV);
  const limit = parseLimit(options.limit);
  const since = options.since === undefined ? undefined : parseSince(options.since);
  const path = lockPath(options.lock, env);
  const baseDir = dirname(path);
  const lock = await readLock(path);
  const candidate = options.candidate ?? (await trainedCandidate(baseDir, model, environment));
  const report = await replayAgainstPin({
    model,
    environment,
    lock,
    lockPath: path,
    candidate,
    storeUri: options.store ?? defaultStore(env),
    sampleUri: options.from ?? defaultSample(baseDir, env),
    since,
    limit,
    deployConfigPath: options.config,
    env,
    progress: out.progress,
  });
  if (options.json) out.json(replayJson(report));
  else out.result(replayMarkdown(report));
  return report.canary.verdict === "pass" ? EXIT.ok : EXIT.failure;
}

/** `lockstep replay export`: a window of the sample as one object in a store, for CI to replay. */
export async function replayExport(
  model: string,
  options: ReplayCommandOptions & { to?: string },
  out: Output,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  getModel(model);
  const environment = parseEnvironment(options.env ?? env.LOCKSTEP_ENV);
  const path = lockPath(options.lock, env);
  const baseDir = dirname(path);
  const lock = await readLock(path);
  const pin = lock.models[model]?.pins[environment];
  const read = await readSample(
    options.from ?? defaultSample(baseDir, env),
    {
      model,
      sha256: pin?.sha256,
      since: options.since === undefined ? undefined : parseSince(options.since),
      limit: parseLimit(options.limit),
    },
    { baseDir, env },
  );
  const exported = await exportSample(read, model, options.to ?? options.store ?? defaultStore(env), {
    baseDir,
    env,
  });
  if (options.json) out.json(exported);
  else
    out.result(
      `${exported.requests} sampled requests of ${model} exported to ${exported.uri} (and ${exported.latest})`,
    );
  return EXIT.ok;
}

export function replayCommands(out: Output, state: ProgramState): Command {
  const common = (command: Command) =>
    command
      .argument("<model>", "the model (co2-forecast, btc-signal, fish-classifier)")
      .option(
        "--env <name>",
        "the environment whose pin and sample are replayed (default $LOCKSTEP_ENV or staging)",
      )
      .option("--lock <file>", "lock file (default $LOCKSTEP_LOCK or ./models.lock.json)")
      .option(
        "--from <uri>",
        "the sample: the server's JSON Lines folder or a .jsonl file, http(s)://host:8123/database, or an exported s3://…/data/replay/<model>/<name>.jsonl (default $LOCKSTEP_CLICKHOUSE_URL, else .lockstep/replay)",
      )
      .option("--since <when>", "only requests since: 90m, 24h, 7d or a date")
      .option("--limit <n>", "at most this many requests (the newest)")
      .option("--store <uri>", "the artifact store (default $LOCKSTEP_STORE or file://.lockstep/store)")
      .option("--json", "print the result as JSON");
  const replay = common(new Command("replay"))
    .description(
      "run the sampled requests through the pin and a candidate by the server's path; predict the canary's verdict (exit 1 unless it passes)",
    )
    .option(
      "--candidate <file|sha256>",
      "an ONNX file (hashed) or a sha256 in the store (default the trained candidate)",
    )
    .option(
      "--config <file>",
      "deployment config whose canary settings apply (default lockstep.deploy.json beside the lock)",
    )
    .action(async (model: string, options: ReplayCommandOptions) => {
      state.code = await replayCommand(model, options, out);
    });
  replay.addCommand(
    common(new Command("export"))
      .description(
        "write a window of the sample to a store as data/replay/<model>/<time>.jsonl and latest.jsonl",
      )
      .option("--to <uri>", "the store to export to (default --store)")
      // the parent's options (--lock, --from, ...) are parsed by the parent: read them with its own
      .action(async (model: string, _options: unknown, command: Command) => {
        state.code = await replayExport(model, command.optsWithGlobals(), out);
      }),
  );
  return replay;
}
