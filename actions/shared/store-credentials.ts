import * as core from "@actions/core";
import { jobIamToken } from "./yc-token.js";

/**
 * Sets up the artifact store's credentials for this job, from the environment the workflow gives:
 * - static keys (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from repository secrets) are used as they
 *   are, and masked;
 * - or, with LOCKSTEP_YC_SERVICE_ACCOUNT_ID, the job's GitHub OIDC token (permissions: id-token:
 *   write) is exchanged for a short-lived Yandex Cloud IAM token of that service account (workload
 *   identity federation), which the S3 client then sends instead of a signature. No key is stored.
 */
export async function setUpStoreCredentials(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  for (const name of ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "LOCKSTEP_S3_IAM_TOKEN"])
    if (env[name]) core.setSecret(env[name]!);
  const serviceAccountId = env.LOCKSTEP_YC_SERVICE_ACCOUNT_ID?.trim();
  if (!serviceAccountId) return;
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    core.warning(
      "both static keys (AWS_ACCESS_KEY_ID) and LOCKSTEP_YC_SERVICE_ACCOUNT_ID are set: using the static keys",
    );
    return;
  }
  const { token, expiresIn } = await jobIamToken(serviceAccountId, {
    audience: env.LOCKSTEP_OIDC_AUDIENCE,
    env,
  });
  env.LOCKSTEP_S3_IAM_TOKEN = token;
  core.info(
    `store credentials: an IAM token of service account ${serviceAccountId} by workload identity federation, valid ${Math.round(expiresIn / 60)} min`,
  );
}
