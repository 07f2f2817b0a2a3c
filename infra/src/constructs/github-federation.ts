import { Construct } from "constructs";
import { FederatedCredential, OidcFederation } from "../yandex/iam.js";
import type { ServiceAccount } from "./service-account.js";

export const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";

/**
 * The `sub` claim of a job of `workflow` at the default branch, under the repository's custom
 * subject template `["repo", "context", "job_workflow_ref"]` (docs/security.md; `lockstep doctor
 * github` checks it): `context` is `ref:refs/heads/<branch>`, or `environment:<name>` for a job
 * that names a GitHub environment. No other workflow, branch or environment yields it.
 */
export function workflowSubject(
  at: { repository: string; branch: string },
  workflow: string,
  context: string,
): string {
  return `repo:${at.repository}:${context}:job_workflow_ref:${at.repository}/.github/workflows/${workflow}@refs/heads/${at.branch}`;
}

/** The subject template those subjects need, as `PUT /repos/{owner}/{repo}/actions/oidc/customization/sub` takes it. */
export const SUBJECT_CLAIM_KEYS = ["repo", "context", "job_workflow_ref"] as const;

/** A workflow subject (the `sub` claim GitHub puts in a job's OIDC token) and who it acts as. */
export interface FederatedSubject {
  subject: string;
  account: ServiceAccount;
  /** A short name for the credential, e.g. train. */
  as: string;
}

/**
 * GitHub Actions as a workload identity federation: a job's OIDC token is exchanged for a
 * service account's short-lived IAM token, so CI holds no static key. One credential per subject.
 */
export class GithubFederation extends Construct {
  readonly federation: OidcFederation;

  constructor(
    scope: Construct,
    id: string,
    props: { name: string; folderId: string; owner: string; subjects: FederatedSubject[] },
  ) {
    super(scope, id);
    this.federation = new OidcFederation(this, "federation", {
      name: props.name,
      folder_id: props.folderId,
      description: "GitHub Actions OIDC tokens",
      issuer: GITHUB_ISSUER,
      jwks_url: `${GITHUB_ISSUER}/.well-known/jwks`,
      // GitHub's default audience is the owner's URL; the actions request it (LOCKSTEP_OIDC_AUDIENCE overrides)
      audiences: [`https://github.com/${props.owner}`],
    });
    for (const { subject, account, as } of props.subjects) {
      new FederatedCredential(this, as, {
        federation_id: this.federation.id,
        service_account_id: account.id,
        external_subject_id: subject,
      });
    }
  }

  get id(): string {
    return this.federation.id;
  }
}
