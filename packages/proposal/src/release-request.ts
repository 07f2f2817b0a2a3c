import { DEPLOY_CONFIG_NAME, DeployError, parseDeployConfig } from "@lockstep/deploy";
import { models } from "@lockstep/models";
import { posix } from "node:path";
import { proposeLockChange, type LockChangeOptions, type LockChangeResult } from "./lock-change-request.js";
import { manifestList } from "./promotion-request.js";

export const RELEASE_LABEL = "image-release";
export const RELEASE_BRANCH = "lockstep/release/inference";
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const DIGEST_FIELD = /("digest"\s*:\s*)"sha256:[0-9a-f]{64}"/g;

export interface ImageRelease {
  digest: string;
  previous: string;
  image: string;
}

/**
 * The config with a new image digest, changed in place (the file keeps its formatting): exactly one
 * `"digest": "sha256:…"` field is expected, and the result must still be a valid config.
 */
export function setImageDigest(configText: string, digest: string): { text: string; previous: string } {
  if (!DIGEST.test(digest))
    throw new DeployError(
      "RELEASE_REFUSED",
      `the image digest must be sha256:<64 hex>, got ${JSON.stringify(digest)}`,
    );
  const config = parseDeployConfig(configText, Object.keys(models));
  const matches = [...configText.matchAll(DIGEST_FIELD)];
  if (matches.length !== 1)
    throw new DeployError(
      "RELEASE_REFUSED",
      `${DEPLOY_CONFIG_NAME} must hold exactly one "digest" field (found ${matches.length})`,
    );
  const text = configText.replace(DIGEST_FIELD, `$1"${digest}"`);
  if (parseDeployConfig(text, Object.keys(models)).image.digest !== digest)
    throw new DeployError(
      "RELEASE_REFUSED",
      `the "digest" field of ${DEPLOY_CONFIG_NAME} is not image.digest`,
    );
  return { text, previous: config.image.digest };
}

/** The image release as a pull request: the new digest in the deployment config, every workload re-rendered. */
export function runImageRelease(
  options: LockChangeOptions & { digest: string; sbom?: string; runUrl?: string; commit?: string },
): Promise<LockChangeResult<ImageRelease>> {
  return proposeLockChange(options, RELEASE_BRANCH, async (lock, { git, baseCommit, lockPath }) => {
    const root = posix.dirname(lockPath) === "." ? "" : `${posix.dirname(lockPath)}/`;
    const current = await git.show(baseCommit, `${root}${DEPLOY_CONFIG_NAME}`);
    if (current === undefined)
      throw new DeployError(
        "RELEASE_REFUSED",
        `there is no ${DEPLOY_CONFIG_NAME} on the base branch to release into`,
      );
    const { text, previous } = setImageDigest(current, options.digest);
    if (previous === options.digest)
      throw new DeployError("RELEASE_REFUSED", `${DEPLOY_CONFIG_NAME} already deploys ${options.digest}`);
    const image = `${parseDeployConfig(text, Object.keys(models)).image.repository}@${options.digest}`;
    return {
      lock,
      config: text,
      detail: { digest: options.digest, previous, image },
      message: `inference image ${options.digest.slice(0, 19)}\n\n${image}\n${options.commit ? `built from ${options.commit}\n` : ""}`,
      draft: (manifests) => ({
        branch: RELEASE_BRANCH,
        title: `inference image: ${options.digest.slice(7, 19)}${options.commit ? ` (${options.commit.slice(0, 7)})` : ""}`,
        labels: [RELEASE_LABEL],
        body: [
          "<!-- lockstep-release -->",
          "## A new inference image",
          `Every model's workload moves to \`${image}\` (linux/amd64), referenced by digest: no tag floats.`,
          [
            "| | |",
            "| --- | --- |",
            `| previous | \`${previous}\` |`,
            `| new | \`${options.digest}\` |`,
            ...(options.commit ? [`| built from | ${options.commit} |`] : []),
            ...(options.runUrl ? [`| run | ${options.runUrl} |`] : []),
            ...(options.sbom ? [`| SBOM and provenance | ${options.sbom} |`] : []),
          ].join("\n"),
          "### Deployment",
          manifestList(manifests),
          "---\nOpened by release.yml. Merging rolls every model's pods as canaries on the new image.",
        ].join("\n\n"),
      }),
    };
  });
}
