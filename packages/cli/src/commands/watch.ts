import { readFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { parseDuration, readDeployConfig, resolveSettings } from "@lockstep/deploy";
import { upsertDriftIssue, type GitHubClient } from "@lockstep/github";
import { readLock, type Pin } from "@lockstep/lockfile";
import { batchPredict, getModel, loadPinnedArtifact, type BatchRow } from "@lockstep/models";
import {
  comparePins,
  MonitorError,
  watchMarkdown,
  watchSettings,
  WATCH_CONFIG_NAME,
  type PairedRow,
  type WatchSettings,
  type WatchVerdict,
} from "@lockstep/monitor";
import { GitRepo, lockHistory, runRevert } from "@lockstep/proposal";
import { CliError, EXIT } from "../errors.js";
import { githubFromEnv } from "../github-env.js";
import { lockPath } from "../lock-io.js";
import type { Output } from "../output.js";
import { parseEnvironment } from "../params.js";

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

/** The label of the post-promotion watch's issues (action "issue"): one per model and environment. */
export const REGRESSION_LABEL = "pin-regression";

export type WatchOutcome =
  | { status: "not-rolled-out"; reason: string }
  | { status: "no-previous-pin"; reason: string }
  | { status: WatchVerdict["status"]; reason: string; verdict: WatchVerdict; dispatched?: Dispatched };

export interface Dispatched {
  action: "pull-request" | "issue" | "local-branch" | "workflow";
  url?: string;
  branch?: string;
}

/** Where the pin came from: the commit that put it there (first-parent), and the pin before it. */
export interface PinOrigin {
  commit: string;
  committedAt: string;
  previous?: Pin;
}

/**
 * The current pin's origin in the lock's git history along first parents (the history a revert
 * restores from, so the pin compared is the pin a revert brings back): undefined when the pin on
 * disk is not the committed one (not merged yet, so not rolled out).
 */
export async function pinOrigin(
  dir: string,
  lockFile: string,
  model: string,
  environment: string,
  current: Pin,
): Promise<PinOrigin | undefined> {
  const git = new GitRepo(dir);
  const history = await lockHistory(git, "HEAD", relative(dir, lockFile));
  const sha = (i: number) => history[i]?.lock.models[model]?.pins[environment]?.sha256;
  if (sha(0) !== current.sha256) return undefined;
  let i = 0;
  while (i + 1 < history.length && sha(i + 1) === current.sha256) i++;
  const commit = history[i]!.commit;
  const committedAt = (await git.run(["show", "-s", "--format=%cI", commit])).trim();
  const previous = history
    .slice(i + 1)
    .map((r) => r.lock.models[model]?.pins[environment])
    .find((p) => p !== undefined && p.sha256 !== current.sha256);
  return { commit, committedAt, ...(previous ? { previous } : {}) };
}

/**
 * How long the environment's rollout takes at most: every canary step's analysis (its initial
 * delay and `count` measurements an `interval` apart). No deploy config: nothing rolls (local serve).
 */
export async function rolloutMs(dir: string, model: string, environment: string): Promise<number> {
  const config = await readDeployConfig(join(dir, "lockstep.deploy.json")).catch((error: unknown) => {
    if ((error as { code?: string }).code === "DEPLOY_CONFIG_NOT_FOUND") return undefined;
    throw error;
  });
  if (!config || !config.environments[environment]) return 0;
  const { canary } = resolveSettings(config, getModel(model), environment);
  const a = canary.analysis;
  const step = parseDuration(a.initialDelay ?? a.window) + a.count * parseDuration(a.interval);
  return canary.weights.length * step;
}

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

/** Each pin answers the rows of its own card (its window, its features); rows are paired by id. */
async function pairedRows(
  model: string,
  data: string,
  pins: { current: Pin; previous: Pin },
  io: { baseDir: string; env: NodeJS.ProcessEnv },
  out: Output,
): Promise<PairedRow[]> {
  const spec = getModel(model);
  const batch = spec.serving.batch!;
  const load = async (which: "current" | "previous") => {
    const pin = pins[which];
    try {
      return await loadPinnedArtifact(model, pin, io);
    } catch (error) {
      // the artifact every reader verifies: gone or altered, nothing is compared and nothing reverted
      throw new CliError(
        `the ${which} pin v${pin.version} (${pin.sha256.slice(0, 12)}) cannot be loaded from ${pin.uri}: ${(error as Error).message}`,
        EXIT.usage,
        "PIN_UNAVAILABLE",
      );
    }
  };
  const current = await load("current");
  const previous = await load("previous");
  const read = async (card: unknown) =>
    batch.rows(data, card as never, { ...io, log: out.progress }).catch((error: unknown) => {
      if ((error as { code?: string }).code === "STORE_NOT_FOUND")
        throw new CliError(`--data: ${(error as Error).message}`, EXIT.usage, "DATA_INVALID");
      throw error;
    });
  const currentRows = await read(current.card);
  const previousRows = new Map((await read(previous.card)).map((r) => [r.id, r]));
  const shared = currentRows.filter((r) => previousRows.has(r.id));
  if (shared.length === 0)
    throw new MonitorError(
      "LOG_EMPTY",
      `no requests for both pins of ${model} to answer: ${data} holds nothing after the data they were trained on`,
    );
  const answer = async (artifact: typeof current, rows: BatchRow[]) =>
    new Map(
      (await batchPredict(spec.serving, artifact.card, artifact.bytes, rows)).predictions.map((p) => [
        p.id,
        p,
      ]),
    );
  out.progress(
    `${model}: ${shared.length} requests through v${pins.current.version} and v${pins.previous.version}`,
  );
  const byCurrent = await answer(current, shared);
  const byPrevious = await answer(
    previous,
    shared.map((r) => previousRows.get(r.id)!),
  );
  const paired: PairedRow[] = [];
  for (const row of shared) {
    const c = byCurrent.get(row.id);
    const p = byPrevious.get(row.id);
    // the truth of the current pin's rows scores both: one truth per request
    if (c && p)
      paired.push({
        id: row.id,
        ...(row.time ? { time: row.time } : {}),
        ...(row.truth !== undefined ? { truth: row.truth } : {}),
        current: c.answer,
        previous: p.answer,
      });
  }
  return paired;
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

/** The configured answer to a worse pin: the revert pull request, one deduplicated issue, or nothing. */
async function dispatch(
  model: string,
  environment: string,
  markdown: string,
  settings: WatchSettings,
  options: WatchOptions,
  out: Output,
  env: NodeJS.ProcessEnv,
): Promise<Dispatched | undefined> {
  const dir = dirname(lockPath(options.lock, env));
  if (settings.action === "none") return undefined;
  if (settings.action === "issue") {
    if (options.local)
      throw new CliError("action issue needs GitHub: drop --local or use --action pull-request");
    const outcome = await upsertDriftIssue(
      options.github ?? githubFromEnv(env),
      { model, environment, status: "degraded", summary: markdown },
      { label: REGRESSION_LABEL },
    );
    return { action: "issue", ...(outcome.issue ? { url: outcome.issue.url } : {}) };
  }
  if (options.revertWorkflow) {
    if (!/^[\w.-]+\.ya?ml$/.test(options.revertWorkflow))
      throw new CliError(
        `the revert workflow must be a workflow file name, got "${options.revertWorkflow.slice(0, 64)}"`,
      );
    await (options.github ?? githubFromEnv(env)).dispatchWorkflow(
      options.revertWorkflow,
      options.base ?? "main",
      {
        model,
        environment,
        analysis: markdown,
        reason: "realised",
      },
    );
    return { action: "workflow", url: options.revertWorkflow };
  }
  const result = await runRevert({
    dir,
    model,
    environment,
    analysis: markdown,
    reason: "realised",
    analysisMarkdown: true,
    base: options.base,
    remote: options.local ? undefined : (options.remote ?? "origin"),
    github: options.local ? undefined : (options.github ?? githubFromEnv(env)),
    log: out.progress,
  });
  return result.pullRequest
    ? { action: "pull-request", url: result.pullRequest.url, branch: result.branch }
    : { action: "local-branch", branch: result.branch };
}
