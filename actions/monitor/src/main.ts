import { join } from "node:path";
import * as core from "@actions/core";
import { EXIT, monitor, watch, type Output } from "@lockstep/cli";
import { upsertDriftIssue, type GitHubClient } from "@lockstep/github";
import { readLock } from "@lockstep/lockfile";
import { githubContext } from "../../shared/github-context.js";
import { setUpStoreCredentials } from "../../shared/store-credentials.js";

const MODEL = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Positive integer input, or a clear failure. */
/** The CLI's output as the action shows it: results kept for the summary, the rest as annotations. */
function actionOutput(printed: string[]): Output {
  return {
    result: (text) => printed.push(text),
    json: () => {},
    progress: core.info,
    warn: core.warning,
    error: core.error,
  };
}

function count(name: string, value: string): number {
  if (!/^\d{1,4}$/.test(value) || Number(value) < 1)
    throw new Error(`${name} must be a whole number from 1, got "${value}"`);
  return Number(value);
}

/** Monitors each model, writes the summary, upserts the drift issues, dispatches retraining. */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    const { github, dir, runUrl } = githubContext(env);
    // the store's read-only credentials: the monitor account by workload identity federation
    await setUpStoreCredentials(env);
    const environment = core.getInput("environment") || "staging";
    const closeAfter = count("close-after", core.getInput("close-after") || "3");
    const retrain = (core.getInput("retrain") || "false") === "true";
    const cooldownHours = count("retrain-cooldown-hours", core.getInput("retrain-cooldown-hours") || "168");
    const workflow = core.getInput("retrain-workflow") || "train.yml";
    if (!/^[\w.-]+\.ya?ml$/.test(workflow))
      throw new Error(`retrain-workflow must be a workflow file name, got "${workflow}"`);
    const out = join(dir, core.getInput("out") || ".lockstep/monitor");
    const lockFile = join(dir, "models.lock.json");
    const lock = await readLock(lockFile);
    const asked = (core.getInput("models") || "")
      .split(",")
      .map((m) => m.trim())
      .filter(Boolean);
    for (const model of asked)
      if (!MODEL.test(model)) throw new Error(`"${model.slice(0, 64)}" is not a model name`);
    const models = asked.length
      ? asked
      : Object.keys(lock.models).filter((m) => lock.models[m]!.pins[environment]);
    if (models.length === 0) {
      core.notice(`nothing is pinned in ${environment}: nothing to monitor`);
      return;
    }
    const drifted: string[] = [];
    const issues: { model: string; action: string; number?: number; url?: string }[] = [];
    const summary = core.summary.addHeading(`Monitoring ${environment}`, 2);
    for (const model of models) {
      const printed: string[] = [];
      const output = actionOutput(printed);
      let result;
      try {
        result = await core.group(`${model}`, () =>
          monitor(
            model,
            {
              env: environment,
              lock: lockFile,
              log: core.getInput("log") || undefined,
              since: core.getInput("since") || "24h",
              driftShare: core.getInput("drift-share") || undefined,
              out: join(out, `${model}-${environment}`),
            },
            output,
            env,
          ),
        );
      } catch (error) {
        // no traffic is not drift: say so and go on with the other models
        core.warning(`${model}: ${(error as Error).message}`);
        summary.addRaw(`\n### ${model}\n\nNot monitored: ${(error as Error).message}\n`);
        continue;
      }
      if (!result.result) continue; // only with allowEmpty, which this action does not set
      summary.addRaw(`\n${printed.join("\n").replace(/^# /m, "### ")}\n`);
      if (result.exitCode === EXIT.failure) drifted.push(model);
      const outcome = await upsertDriftIssue(
        github,
        {
          model,
          environment,
          status: result.result.status,
          summary: printed.join("\n").replace(/\nReport: .*$/m, ""),
          ...(runUrl ? { runUrl } : {}),
        },
        { closeAfter, ...(retrain ? { retrain: { cooldownMs: cooldownHours * 3_600_000 } } : {}) },
      );
      if (outcome.action !== "none") {
        issues.push({ model, action: outcome.action, ...outcome.issue });
        core.info(`${model}: drift issue #${outcome.issue?.number} ${outcome.action}`);
      }
      if (outcome.retrain?.due) {
        // events made with the workflow's token start no runs; a dispatch does
        await github.dispatchWorkflow(workflow, core.getInput("ref") || "main", { model, environment });
        core.info(`${model}: dispatched ${workflow} to retrain`);
      } else if (outcome.retrain)
        core.notice(
          `${model}: drifting, but retraining was dispatched within ${cooldownHours} h: next after ${outcome.retrain.after}`,
        );
    }
    const worse = await watchModels(github, environment, lockFile, summary, env);
    core.setOutput("worse", worse.join(","));
    core.setOutput("drifted", drifted.join(","));
    core.setOutput("issues", JSON.stringify(issues));
    core.setOutput("out", out);
    await summary.write();
  } catch (error) {
    core.setFailed((error as Error).message);
  }
}

/** `model=uri` lines: what the watch predicts for each model. */
function watchData(text: string): [string, string][] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const at = line.indexOf("=");
      const model = line.slice(0, at).trim();
      if (at < 1 || !MODEL.test(model))
        throw new Error(`watch-data: "${line.slice(0, 80)}" is not model=uri`);
      return [model, line.slice(at + 1).trim()];
    });
}

/**
 * The post-promotion watch for each model in watch-data: a worse pin dispatches the revert workflow
 * (this job holds no contents: write) or opens its issue. One model's bad input does not stop the others.
 */
async function watchModels(
  github: GitHubClient,
  environment: string,
  lockFile: string,
  summary: typeof core.summary,
  env: NodeJS.ProcessEnv,
): Promise<string[]> {
  const worse: string[] = [];
  const revertWorkflow = core.getInput("revert-workflow") || "revert.yml";
  for (const [model, data] of watchData(core.getInput("watch-data") || "")) {
    const printed: string[] = [];
    const output = actionOutput(printed);
    try {
      const { exitCode, outcome } = await core.group(`${model}: watch`, () =>
        watch(
          model,
          {
            env: environment,
            lock: lockFile,
            data,
            action: core.getInput("watch-action") || undefined,
            base: core.getInput("ref") || "main",
            revertWorkflow,
            github,
          },
          output,
          env,
        ),
      );
      summary.addRaw(`\n### ${model}: after the rollout\n\n${printed.join("\n").replace(/^## .*\n+/, "")}\n`);
      if (exitCode === EXIT.failure) {
        worse.push(model);
        core.warning(`${model}: ${outcome.reason}`);
      }
    } catch (error) {
      core.warning(`${model}: not watched: ${(error as Error).message}`);
      summary.addRaw(`\n### ${model}: after the rollout\n\nNot watched: ${(error as Error).message}\n`);
    }
  }
  return worse;
}
