import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { getModel } from "@lockstep/models";
import type { Pin } from "@lockstep/lockfile";
import {
  defaultCandidatePath,
  runProposal,
  type CandidateFile,
  type ProposalResult,
} from "@lockstep/proposal";
import { replaySection } from "@lockstep/replay";
import { recentRunsSection } from "@lockstep/runs";
import { openStore } from "@lockstep/store";
import { githubFromEnv } from "../github-env.js";
import { lockPath } from "../lock-io.js";
import type { Output } from "../output.js";
import { parseEnvironment } from "../params.js";
import { defaultStore } from "./train.js";

export interface ProposeOptions {
  env?: string;
  candidate?: string;
  report?: string;
  base?: string;
  remote?: string;
  local?: boolean;
  lock?: string;
  /** A replay sample: the shadow replay goes into the pull request body (default $LOCKSTEP_REPLAY_SAMPLE_URI). */
  replaySample?: string;
  json?: boolean;
}

/**
 * Proposes the last trained candidate: on its branch `lockstep/<model>/<env>`, then as a pull
 * request (GITHUB_TOKEN + GITHUB_REPOSITORY), or with --local as a local branch and a Markdown file
 * holding what the pull request would say.
 */
export async function propose(
  model: string,
  options: ProposeOptions,
  out: Output,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ProposalResult> {
  const spec = getModel(model);
  const environment = parseEnvironment(options.env);
  const path = lockPath(options.lock, env);
  const dir = dirname(path);
  const github = options.local ? undefined : githubFromEnv(env);
  const sampleUri = options.replaySample ?? (env.LOCKSTEP_REPLAY_SAMPLE_URI?.trim() || undefined);
  const result = await runProposal({
    dir,
    candidatePath: options.candidate ?? defaultCandidatePath(dir, spec.name, environment),
    reportPath: options.report,
    base: options.base,
    remote: options.local ? undefined : (options.remote ?? "origin"),
    github,
    expect: { model: spec.name, environment },
    log: out.progress,
    // the gate metric over the model's recent runs, from the run records in the store
    trend: (candidate: CandidateFile, current: Pin | undefined) =>
      recentRunsSection(openStore(defaultStore(env), { baseDir: dir, env }), spec.name, {
        metric: candidate.gate.metric,
        goal: candidate.gate.goal,
        environment,
        pinnedSha256: current?.sha256,
        candidateSha256: candidate.pin.sha256,
      }),
    ...(sampleUri
      ? {
          replay: (candidate: CandidateFile, current: Pin | undefined) =>
            replaySection({
              model: spec.name,
              environment,
              lockPath: path,
              candidate: candidate.pin,
              current,
              storeUri: defaultStore(env),
              sampleUri,
              env,
              progress: out.progress,
            }),
        }
      : {}),
  });
  const { outcome, draft, pullRequest } = result;
  let bodyPath: string | undefined;
  if (draft && options.local) {
    bodyPath = join(dir, ".lockstep", "proposals", `${spec.name}.${environment}.md`);
    await mkdir(dirname(bodyPath), { recursive: true });
    await writeFile(bodyPath, `# ${draft.title}\n\n${draft.body}\n`);
  }
  if (options.json) {
    out.json({
      status: outcome.status,
      branch: outcome.branch,
      verdict: outcome.verdict,
      ...("commit" in outcome ? { commit: outcome.commit, version: outcome.pin.version } : {}),
      ...("reason" in outcome ? { reason: outcome.reason } : {}),
      ...(pullRequest ? { pullRequest } : {}),
      ...(bodyPath ? { proposal: bodyPath } : {}),
    });
    return result;
  }
  switch (outcome.status) {
    case "rejected":
      out.result(`not proposed: ${outcome.reason}`);
      break;
    case "superseded":
      out.result(`not proposed: ${outcome.reason}`);
      break;
    default:
      out.result(
        `${outcome.status === "unchanged" ? "already proposed" : "proposed"}: ${outcome.branch} (${outcome.commit.slice(0, 12)}) pins ${spec.name} version ${outcome.pin.version} in ${environment}`,
      );
      out.result(`gate      ${outcome.verdict.reason}`);
      if (pullRequest)
        out.result(`pull request #${pullRequest.number} (${pullRequest.action}): ${pullRequest.url}`);
      if (bodyPath) {
        out.result(`proposal  ${relative(process.cwd(), bodyPath)}`);
        out.result(`merge it  git merge ${outcome.branch}`);
      }
  }
  return result;
}
