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
  options: LockChangeOptions & {
    model: string;
    environment: string;
    analysis?: string;
    runUrl?: string;
    /** Why: a canary Argo Rollouts aborted (default), or a realised metric worse than the previous pin's after the rollout. */
    reason?: "canary" | "realised";
    /** The analysis is Lockstep's own Markdown (the watch in process): shown as written; else quoted as text. */
    analysisMarkdown?: boolean;
  },
): Promise<LockChangeResult<Revert>> {
  const { model, environment } = options;
  const realised = options.reason === "realised";
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
        message: `${model}: revert ${environment} to version ${restored.version}\n\nversion ${failed.version} (${failed.sha256}) ${realised ? "did worse than it on the truth that arrived after its rollout" : "failed its canary"}; restores the pin of ${commit}\n`,
        draft: (manifests) => {
          const body = [
            revertMarker(model, environment),
            `## Revert ${model} in \`${environment}\` to version ${restored.version}`,
            realised
              ? `Version ${failed.version} rolled out fully in ${environment}, and on the truth that has arrived since, ` +
                `its realised metric is worse than version ${restored.version}'s on the same requests beyond the watch's ` +
                "tolerance. Merging this pull request rolls version " +
                `${restored.version} out again (a canary like any change).`
              : `Version ${failed.version} failed in ${environment}: Argo Rollouts aborted its canary and the stable ` +
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
            realised ? "### Realised metrics" : "### Analysis",
            // the watch's own Markdown (both pins' metrics) is shown as written; a canary's text is quoted
            options.analysisMarkdown && analysis
              ? analysis.replace(/^#+ .*\n+/, "")
              : analysis
                ? "```text\n" + analysis.replace(/```/g, "'''") + "\n```"
                : "No analysis result was passed to the revert.",
            "### Deployment",
            manifestList(manifests),
            `---\nOpened by Lockstep ${realised ? "after the post-promotion watch (lockstep watch)" : "after a failed canary"}. A fixed model comes back through a new proposal.`,
          ].join("\n\n");
          return {
            branch: revertBranch(model, environment),
            title: `${model} (${environment}): revert to v${restored.version}, v${failed.version} ${realised ? "is worse on realised truth" : "failed its canary"}`,
            labels: [REVERT_LABEL, model],
            body: body.slice(0, MAX_BODY_CHARS),
          };
        },
      };
    },
  );
}
