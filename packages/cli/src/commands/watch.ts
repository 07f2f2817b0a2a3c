import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { upsertDriftIssue, type GitHubClient } from "@lockstep/github";
import { readLock } from "@lockstep/lockfile";
import { getModel } from "@lockstep/models";
import {
  comparePins,
  watchMarkdown,
  watchSettings,
  WATCH_CONFIG_NAME,
  type WatchSettings,
  type WatchVerdict,
} from "@lockstep/monitor";
import { CliError, EXIT } from "../errors.js";
import { githubFromEnv } from "../github-env.js";
import { lockPath } from "../lock-io.js";
import type { Output } from "../output.js";
import { parseEnvironment } from "../params.js";
import { dispatch, REGRESSION_LABEL, type Dispatched } from "./watch-dispatch.js";
import { pairedRows } from "./watch-paired-rows.js";
import { pinOrigin, rolloutMs } from "./watch-rollout.js";

export { REGRESSION_LABEL, type Dispatched } from "./watch-dispatch.js";
export { pinOrigin, rolloutMs, type PinOrigin } from "./watch-rollout.js";

export interface WatchOptions {
  env?: string;
  lock?: string;
  /** New data with the truth that arrived (a URI as training takes). */
  data?: string;
  /** lockstep.watch.json (default: beside the lock, when it is there). */
  config?: string;
  /** Overrides the config's action. */
  action?: string;
  /** No GitHub: a revert becomes a local branch. */
  local?: boolean;
  remote?: string;
  base?: string;
  /**
   * Dispatch this workflow (revert.yml: model, environment, analysis, reason) instead of pushing the
   * revert branch here: the monitor job holds no contents: write, the revert workflow does.
   */
  revertWorkflow?: string;
  /** The GitHub client to use (an action's); default from GITHUB_TOKEN and GITHUB_REPOSITORY. */
  github?: GitHubClient;
  json?: boolean;
}

export type WatchOutcome =
  | { status: "not-rolled-out"; reason: string }
  | { status: "no-previous-pin"; reason: string }
  | { status: WatchVerdict["status"]; reason: string; verdict: WatchVerdict; dispatched?: Dispatched };

async function settingsFor(model: string, options: WatchOptions, dir: string): Promise<WatchSettings> {
  const path = options.config ?? join(dir, WATCH_CONFIG_NAME);
  const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT" && !options.config) return undefined;
    throw new CliError(`--config ${path}: cannot read it (${error.code ?? error.message})`);
  });
  const settings = watchSettings(text, model, path);
  if (options.action !== undefined) {
    if (!["pull-request", "issue", "none"].includes(options.action))
      throw new CliError(
        `--action must be pull-request, issue or none, got ${JSON.stringify(options.action.slice(0, 40))}`,
      );
    settings.action = options.action as WatchSettings["action"];
  }
  return settings;
}

/**
 * `lockstep watch <model> --data <uri>`: once the environment's pin has fully rolled out, both it
 * and the pin before it (from the lock's git history) answer the same requests of new data; where
 * the truth has arrived their realised metric is compared, and a current pin worse beyond the
 * tolerance gets the revert pull request (or an issue) with both pins' metrics. Exit 1 when worse,
 * 0 otherwise (including not rolled out yet and not enough truth), 2 on bad input.
 */
export async function watch(
  model: string,
  options: WatchOptions,
  out: Output,
  env: NodeJS.ProcessEnv = process.env,
  now = new Date(),
): Promise<{ exitCode: number; outcome: WatchOutcome }> {
  const spec = getModel(model);
  if (!spec.serving.batch?.realised)
    throw new CliError(
      `${model} has no realised metric: there is no truth to watch`,
      EXIT.usage,
      "MODEL_UNKNOWN",
    );
  if (!options.data) throw new CliError("--data is required: the new data whose truth has arrived");
  const environment = parseEnvironment(options.env ?? env.LOCKSTEP_ENV);
  const path = lockPath(options.lock, env);
  const dir = dirname(path);
  const settings = await settingsFor(model, options, dir);
  const lock = await readLock(path);
  const current = lock.models[model]?.pins[environment];
  if (!current)
    throw new CliError(`${model} is not pinned in "${environment}" in ${path}`, EXIT.usage, "MODEL_UNKNOWN");
  const done = (outcome: WatchOutcome, exitCode: number = EXIT.ok) => {
    if (options.json) out.json(outcome);
    else out.result(outcome.reason);
    return { exitCode, outcome };
  };
  const origin = await pinOrigin(dir, path, model, environment, current);
  if (!origin)
    return done({
      status: "not-rolled-out",
      reason: `${model} v${current.version} in ${environment} is not the committed pin: nothing rolled out to watch`,
    });
  const ready =
    Date.parse(origin.committedAt) + (await rolloutMs(dir, model, environment)) + settings.settleMs;
  if (now.getTime() < ready)
    return done({
      status: "not-rolled-out",
      reason: `${model} v${current.version} was pinned in ${environment} at ${origin.committedAt} (${origin.commit.slice(0, 12)}): fully rolled out from ${new Date(ready).toISOString()}, the rollout's duration and ${settings.settleMs / 60_000} min to settle`,
    });
  if (!origin.previous)
    return done({
      status: "no-previous-pin",
      reason: `${model} in ${environment} had no pin before v${current.version} in the lock's history: nothing to compare with`,
    });
  const previous = origin.previous;
  const rows = await pairedRows(model, options.data, { current, previous }, { baseDir: dir, env }, out);
  const verdict = comparePins(
    spec.serving.batch.realised,
    {
      current: { version: current.version, sha256: current.sha256 },
      previous: { version: previous.version, sha256: previous.sha256 },
    },
    rows,
    settings,
  );
  const markdown = watchMarkdown(model, environment, verdict);
  let dispatched: Dispatched | undefined;
  if (verdict.status === "worse")
    dispatched = await dispatch(model, environment, markdown, settings, options, out, env);
  else if (verdict.status === "not-worse" && settings.action === "issue" && !options.local)
    // a pin no longer worse counts toward closing its issue (three such runs in a row)
    await upsertDriftIssue(
      options.github ?? githubFromEnv(env),
      { model, environment, status: "healthy", summary: markdown },
      { label: REGRESSION_LABEL },
    );
  const outcome: WatchOutcome = {
    status: verdict.status,
    reason: verdict.reason,
    verdict,
    ...(dispatched ? { dispatched } : {}),
  };
  if (options.json) out.json(outcome);
  else
    out.result(
      `${markdown}${dispatched ? `\n\n${dispatched.action}: ${dispatched.url ?? dispatched.branch}` : ""}`,
    );
  return { exitCode: verdict.status === "worse" ? EXIT.failure : EXIT.ok, outcome };
}
