import * as core from "@actions/core";
import { exchangeIdTokenForIamToken, type IamToken } from "@lockstep/store";

/**
 * This job's GitHub OIDC token exchanged for a short-lived IAM token of a Yandex Cloud service
 * account (workload identity federation); both are masked. The job needs `id-token: write`.
 */
export async function jobIamToken(
  serviceAccountId: string,
  options: { audience?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<IamToken> {
  const env = options.env ?? process.env;
  let idToken: string;
  try {
    idToken = await core.getIDToken(options.audience || undefined);
  } catch (error) {
    throw new Error(
      `cannot get this job's OIDC token (${(error as Error).message}): the job needs "permissions: id-token: write"`,
    );
  }
  core.setSecret(idToken);
  const iam = await exchangeIdTokenForIamToken({
    idToken,
    serviceAccountId,
    tokenUrl: env.LOCKSTEP_YC_TOKEN_URL || undefined,
  });
  core.setSecret(iam.token);
  return iam;
}
