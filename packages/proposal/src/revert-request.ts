import { revertPin, type Revert } from "@lockstep/deploy";
import {
  lockHistory,
  proposeLockChange,
  type LockChangeOptions,
  type LockChangeResult,
} from "./lock-change-request.js";
import { manifestList } from "./promotion-request.js";
import { MAX_BODY_CHARS } from "./pull-request.js";

export const REVERT_LABEL = "model-revert";
export const revertBranch = (model: string, environment: string) => `lockstep/revert/${model}/${environment}`;
export const revertMarker = (model: string, environment: string) =>
  `<!-- lockstep-revert model="${model}" environment="${environment}" -->`;

const MAX_ANALYSIS_CHARS = 20_000;

/**
 * Revert as a pull request: the pin the model had in the environment before the current one,
 * restored from the lock's git history, with what the failed canary's analysis said.
 */
export function runRevert(
  options: LockChangeOptions & { model: string; environment: string; analysis?: string; runUrl?: string },
): Promise<LockChangeResult<Revert>> {
  const { model, environment } = options;
  return proposeLockChange(
    options,
    revertBranch(model, environment),
    async (base, { git, baseCommit, lockPath }) => {
      const revert = revertPin(base, await lockHistory(git, baseCommit, lockPath), model, environment);
      const { failed, restored, commit } = revert;
      const analysis = (options.analysis ?? "").trim().slice(0, MAX_ANALYSIS_CHARS);
      return {
        lock: revert.lock,
        detail: revert,
        message: `${model}: revert ${environment} to version ${restored.version}\n\nversion ${failed.version} (${failed.sha256}) failed its canary; restores the pin of ${commit}\n`,
        draft: (manifests) => {
          const body = [
            revertMarker(model, environment),
            `## Revert ${model} in \`${environment}\` to version ${restored.version}`,
            `Version ${failed.version} failed in ${environment}: Argo Rollouts aborted its canary and the stable ` +
              `pods kept serving version ${restored.version}. Git still pins the failed version, so Argo CD would try it ` +
              "again on the next sync: merging this pull request makes git say what the cluster serves.",
            [
              "| | failed | restored |",
              "| --- | --- | --- |",
              `| version | ${failed.version} | ${restored.version} |`,
              `| sha256 | \`${failed.sha256.slice(0, 16)}…\` | \`${restored.sha256.slice(0, 16)}…\` |`,
              `| trained at | ${failed.trainedAt} | ${restored.trainedAt} |`,
              `| pinned by | | ${commit} |`,
              ...(options.runUrl ? [`| run | ${options.runUrl} | |`] : []),
            ].join("\n"),
            "### Analysis",
            analysis
              ? "```text\n" + analysis.replace(/```/g, "'''") + "\n```"
              : "No analysis result was passed to the revert.",
            "### Deployment",
            manifestList(manifests),
            "---\nOpened by Lockstep after a failed canary. A fixed model comes back through a new proposal.",
          ].join("\n\n");
          return {
            branch: revertBranch(model, environment),
            title: `${model} (${environment}): revert to v${restored.version}, v${failed.version} failed its canary`,
            labels: [REVERT_LABEL, model],
            body: body.slice(0, MAX_BODY_CHARS),
          };
        },
      };
    },
  );
}
