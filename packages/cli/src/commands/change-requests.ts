import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { getModel } from "@lockstep/models";
import { runImageRelease, runPromotion, runRevert, type LockChangeResult } from "@lockstep/proposal";
import { CliError } from "../errors.js";
import { githubFromEnv } from "../github-env.js";
import { lockPath } from "../lock-io.js";
import type { Output } from "../output.js";
import { parseEnvironment } from "../params.js";
import { promotionEvidence } from "../promotion-evidence.js";
import { defaultStore } from "./train.js";

interface ChangeOptions {
  base?: string;
  remote?: string;
  local?: boolean;
  lock?: string;
  json?: boolean;
}

export interface PromoteOptions extends ChangeOptions {
  from?: string;
  to?: string;
  /** Where monitor reports are read (default $LOCKSTEP_REPORT_STORE, else the source environment's store). */
  reportStore?: string;
  /** A Prometheus to count the source's requests and errors (default $LOCKSTEP_PROMETHEUS_URL). */
  prometheus?: string;
  /** A replay sample of the target's pin (default $LOCKSTEP_REPLAY_SAMPLE_URI). */
  replaySample?: string;
}

const setting = (value: string | undefined, fallback: string | undefined) =>
  value ?? (fallback?.trim() || undefined);

export interface RevertOptions extends ChangeOptions {
  env?: string;
  /** The failed analysis, or @file holding it, for the pull request's body. */
  analysis?: string;
  /** canary (default): Argo Rollouts aborted it; realised: the post-promotion watch found it worse. */
  reason?: string;
}

async function report(
  result: LockChangeResult<unknown>,
  kind: "promotion" | "revert" | "release",
  name: string,
  dir: string,
  options: ChangeOptions,
  out: Output,
  summary: string,
): Promise<void> {
  let bodyPath: string | undefined;
  if (options.local) {
    bodyPath = join(dir, ".lockstep", `${kind}s`, `${name}.md`);
    await mkdir(dirname(bodyPath), { recursive: true });
    await writeFile(bodyPath, `# ${result.draft.title}\n\n${result.draft.body}\n`);
  }
  if (options.json) {
    out.json({
      branch: result.branch,
      commit: result.commit,
      manifests: result.manifests,
      title: result.draft.title,
      ...(result.pullRequest ? { pullRequest: result.pullRequest } : {}),
      ...(bodyPath ? { [kind]: bodyPath } : {}),
    });
    return;
  }
  out.result(
    `${summary}: ${result.branch} (${result.commit.slice(0, 12)}), ${result.manifests.length} manifests re-rendered`,
  );
  if (result.pullRequest)
    out.result(
      `pull request #${result.pullRequest.number} (${result.pullRequest.action}): ${result.pullRequest.url}`,
    );
  if (bodyPath) {
    out.result(`${kind.padEnd(9)} ${relative(process.cwd(), bodyPath)}`);
    out.result(`merge it  git merge ${result.branch}`);
  }
}

/** `lockstep promote <model> --from staging --to production`: a pull request copying the pin. */
export async function promote(model: string, options: PromoteOptions, out: Output, env = process.env) {
  const spec = getModel(model);
  const from = parseEnvironment(options.from ?? "staging");
  const to = parseEnvironment(options.to ?? "production");
  const dir = dirname(lockPath(options.lock, env));
  const reportStore = setting(options.reportStore, env.LOCKSTEP_REPORT_STORE);
  const prometheus = setting(options.prometheus, env.LOCKSTEP_PROMETHEUS_URL);
  const replaySample = setting(options.replaySample, env.LOCKSTEP_REPLAY_SAMPLE_URI);
  const result = await runPromotion({
    dir,
    model: spec.name,
    from,
    to,
    ...where(options, out, env),
    evidence: promotionEvidence({
      model: spec.name,
      from,
      to,
      dir,
      env,
      progress: out.progress,
      ...(reportStore ? { reportStore } : {}),
      ...(prometheus ? { prometheus } : {}),
      ...(replaySample ? { replaySample, storeUri: defaultStore(env) } : {}),
    }),
  });
  const { pin } = result.detail;
  await report(
    result,
    "promotion",
    `${spec.name}.${to}`,
    dir,
    options,
    out,
    `promoted ${spec.name} v${pin.version} from ${from} to ${to}`,
  );
  return result;
}

/** `lockstep revert <model> --env <env>`: a pull request restoring the previous pin from git history. */
export async function revert(model: string, options: RevertOptions, out: Output, env = process.env) {
  const spec = getModel(model);
  const environment = parseEnvironment(options.env);
  const dir = dirname(lockPath(options.lock, env));
  const analysis = options.analysis?.startsWith("@")
    ? await readFile(options.analysis.slice(1), "utf8").catch((error: NodeJS.ErrnoException) => {
        throw new CliError(
          `--analysis ${options.analysis}: cannot read the file (${error.code ?? error.message})`,
        );
      })
    : options.analysis;
  const result = await runRevert({
    dir,
    model: spec.name,
    environment,
    analysis,
    reason: parseReason(options.reason),
    ...where(options, out, env),
  });
  const { failed, restored } = result.detail;
  await report(
    result,
    "revert",
    `${spec.name}.${environment}`,
    dir,
    options,
    out,
    `reverted ${spec.name} in ${environment} from v${failed.version} to v${restored.version}`,
  );
  return result;
}

function parseReason(value: string | undefined): "canary" | "realised" {
  if (value === undefined || value === "canary" || value === "realised") return value ?? "canary";
  throw new CliError(`--reason must be canary or realised, got ${JSON.stringify(value.slice(0, 40))}`);
}

/** `lockstep release <digest>`: a pull request that deploys a new inference image everywhere. */
export async function release(digest: string, options: ChangeOptions, out: Output, env = process.env) {
  const dir = dirname(lockPath(options.lock, env));
  const result = await runImageRelease({
    dir,
    digest,
    ...where(options, out, env),
    commit: env.GITHUB_SHA,
    sbom: runUrl(env),
  });
  await report(result, "release", "inference", dir, options, out, `released ${result.detail.image}`);
  return result;
}

/** Where a change request goes: a local branch (--local), or origin and GitHub from the environment. */
function where(options: ChangeOptions, out: Output, env: NodeJS.ProcessEnv) {
  return {
    base: options.base,
    remote: options.local ? undefined : (options.remote ?? "origin"),
    github: options.local ? undefined : githubFromEnv(env),
    runUrl: runUrl(env),
    log: out.progress,
  };
}

function runUrl(env: NodeJS.ProcessEnv): string | undefined {
  return env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
    ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
    : undefined;
}
