import * as core from "@actions/core";
import { booleanInput } from "../../shared/inputs.js";
import { jobIamToken } from "../../shared/yc-token.js";
import { createAccessKey, YANDEX_IAM_URL } from "./access-keys.js";

/**
 * Reads the inputs; exchanges the job's OIDC token for the service account's IAM token (YC_TOKEN
 * for the Yandex provider); with state-keys, makes an access key for the S3 state backend that
 * the post step deletes when the job ends. Nothing is stored: every credential lives one job.
 */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    const serviceAccountId = core.getInput("service-account-id", { required: true }).trim();
    const stateKeys = booleanInput("state-keys", core.getInput("state-keys") || "true");
    const { token, expiresIn } = await jobIamToken(serviceAccountId, {
      audience: core.getInput("audience"),
      env,
    });
    core.exportVariable("YC_TOKEN", token);
    core.info(`YC_TOKEN: an IAM token of ${serviceAccountId}, valid ${Math.round(expiresIn / 60)} min`);
    if (stateKeys) {
      const iamUrl = env.LOCKSTEP_YC_IAM_URL || YANDEX_IAM_URL;
      const key = await createAccessKey(
        token,
        serviceAccountId,
        `state backend for ${env.GITHUB_REPOSITORY ?? "CI"} run ${env.GITHUB_RUN_ID ?? "?"}`,
        iamUrl,
      );
      core.setSecret(key.secret);
      core.saveState("access-key-id", key.id);
      core.saveState("iam-url", iamUrl);
      core.saveState("token", token);
      core.exportVariable("AWS_ACCESS_KEY_ID", key.keyId);
      core.exportVariable("AWS_SECRET_ACCESS_KEY", key.secret);
      core.info(`AWS_ACCESS_KEY_ID: access key ${key.id} for the state bucket, deleted when the job ends`);
    }
    core.setOutput("expires-in", String(expiresIn));
  } catch (error) {
    core.setFailed((error as Error).message);
  }
}
