// What `lockstep watch` does about a worse pin: the revert pull request (or its workflow dispatched),
// one deduplicated issue, or nothing.
import { dirname } from "node:path";
import { upsertDriftIssue } from "@lockstep/github";
import type { WatchSettings } from "@lockstep/monitor";
import { runRevert } from "@lockstep/proposal";
import { CliError } from "../errors.js";
import { githubFromEnv } from "../github-env.js";
import { lockPath } from "../lock-io.js";
import type { Output } from "../output.js";
import type { WatchOptions } from "./watch.js";

/** The label of the post-promotion watch's issues (action "issue"): one per model and environment. */
export const REGRESSION_LABEL = "pin-regression";

export interface Dispatched {
  action: "pull-request" | "issue" | "local-branch" | "workflow";
  url?: string;
  branch?: string;
}

/** The configured answer to a worse pin: the revert pull request, one deduplicated issue, or nothing. */
export async function dispatch(
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
