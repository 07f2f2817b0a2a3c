import { pinAge, promotePin, type Promotion } from "@lockstep/deploy";
import type { Pin } from "@lockstep/lockfile";
import { proposeLockChange, type LockChangeOptions, type LockChangeResult } from "./lock-change-request.js";
import type { GitRepo } from "./git-repo.js";
import { formatNumber } from "./pull-request.js";

export const PROMOTION_LABEL = "model-promotion";
export const promotionBranch = (model: string, to: string) => `lockstep/promote/${model}/${to}`;
export const promotionMarker = (model: string, to: string) =>
  `<!-- lockstep-promotion model="${model}" environment="${to}" -->`;

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

function metricsRows(pin: Pin, replaced: Pin | undefined): string {
  const names = [...new Set([...Object.keys(pin.metrics), ...Object.keys(replaced?.metrics ?? {})])].sort();
  return [
    `| metric | ${replaced ? `${"replaced"} (v${replaced.version})` : "replaced"} | promoted (v${pin.version}) |`,
    "| --- | ---: | ---: |",
    ...names.map(
      (n) => `| ${cell(n)} | ${formatNumber(replaced?.metrics[n])} | ${formatNumber(pin.metrics[n])} |`,
    ),
  ].join("\n");
}

export const manifestList = (manifests: string[]) =>
  manifests.length > 0
    ? manifests.map((p) => `- \`${cell(p)}\``).join("\n")
    : "No rendered manifest changes.";

/** What an evidence gatherer gets: the base it reads history from, and the pins on both sides. */
export interface PromotionContext {
  git: GitRepo;
  baseCommit: string;
  lockPath: string;
  pin: Pin;
  replaced?: Pin;
}

/** Promotion as a pull request: `from`'s pin copied into `to` (same artifact and sha256, no retraining). */
export function runPromotion(
  options: LockChangeOptions & {
    model: string;
    from: string;
    to: string;
    now?: Date;
    runUrl?: string;
    /** The "Evidence from <from>" section (Markdown): how the pin did there; its gaps are its to say. */
    evidence?: (context: PromotionContext) => Promise<string | undefined>;
  },
): Promise<LockChangeResult<Promotion>> {
  const { model, from, to } = options;
  return proposeLockChange(
    options,
    promotionBranch(model, to),
    async (base, { git, baseCommit, lockPath }) => {
      const promotion = promotePin(base, model, from, to);
      const { pin, replaced } = promotion;
      const age = pinAge(pin, options.now);
      const evidence = await options.evidence?.({
        git,
        baseCommit,
        lockPath,
        pin,
        ...(replaced ? { replaced } : {}),
      });
      return {
        lock: promotion.lock,
        detail: promotion,
        message: `${model}: promote version ${pin.version} from ${from} to ${to}\n\nthe same artifact: ${pin.sha256}\n`,
        draft: (manifests) => ({
          branch: promotionBranch(model, to),
          title: `${model}: promote v${pin.version} from ${from} to ${to}`,
          labels: [PROMOTION_LABEL, model],
          body: [
            promotionMarker(model, to),
            `## Promote ${model} version ${pin.version} from \`${from}\` to \`${to}\``,
            `The ${to} pin becomes a copy of the ${from} pin: the same artifact, no retraining. ` +
              `It was trained ${age} ago (${pin.trainedAt}) and has served in ${from} since it was pinned there.`,
            [
              "| | |",
              "| --- | --- |",
              `| sha256 | \`${pin.sha256}\` |`,
              `| size | ${pin.bytes} bytes |`,
              `| artifact | \`${cell(pin.uri)}\` |`,
              `| ${to} now | ${replaced ? `v${replaced.version} \`${replaced.sha256.slice(0, 12)}\`` : "nothing pinned"} |`,
              ...(pin.source.commit ? [`| trained from commit | ${pin.source.commit} |`] : []),
              ...(options.runUrl ? [`| run | ${options.runUrl} |`] : []),
            ].join("\n"),
            ...(evidence ? [evidence.trim()] : []),
            `### Metrics (from the ${from} pin)`,
            metricsRows(pin, replaced),
            `Evaluation: ${cell(pin.evaluation.protocol)}`,
            "### Deployment",
            manifestList(manifests),
            "---\nOpened by Lockstep. Merging rolls this artifact out in " +
              `${to} as a canary; ${to} changes only through pull requests like this one.`,
          ].join("\n\n"),
        }),
      };
    },
  );
}
