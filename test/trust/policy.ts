// The documented policy every workflow job is held to (docs/security.md, "Identities"): its
// permissions, the cloud account it may act as (the repository variable naming it), the secrets it
// may read, and whether it runs a pull request's code. The trust tests compare the workflows,
// infra/ and the docs with this table.

export interface JobPolicy {
  permissions: Record<string, "read" | "write">;
  /** The repository variable holding the service account this job exchanges its OIDC token for. */
  account?: string;
  /** The GitHub environment the job names (its OIDC context). */
  environment?: string;
  /** Repository secrets the job may read (GITHUB_TOKEN aside). */
  secrets?: string[];
}

const CHAT = ["LOCKSTEP_SLACK_WEBHOOK_URL", "LOCKSTEP_TELEGRAM_BOT_TOKEN"];
const notify: JobPolicy = { permissions: { contents: "read", issues: "write" }, secrets: CHAT };

export const JOBS: Record<string, JobPolicy> = {
  "ci.yml/check": { permissions: { contents: "read" } },
  "infra.yml/validate": { permissions: { contents: "read" } },
  "infra.yml/plan": {
    permissions: { contents: "read", "id-token": "write" },
    account: "LOCKSTEP_YC_INFRA_PLAN_SERVICE_ACCOUNT_ID",
  },
  "infra.yml/apply": {
    permissions: { contents: "read", "id-token": "write" },
    account: "LOCKSTEP_YC_INFRA_SERVICE_ACCOUNT_ID",
    environment: "infrastructure",
  },
  "monitor.yml/monitor": {
    permissions: { contents: "read", issues: "write", actions: "write", "id-token": "write" },
    account: "LOCKSTEP_YC_MONITOR_SERVICE_ACCOUNT_ID",
    secrets: ["LOCKSTEP_CLICKHOUSE_URL"],
  },
  "monitor.yml/notify": notify,
  "promote.yml/promote": { permissions: { contents: "write", "pull-requests": "write" } },
  "release.yml/image": {
    permissions: { contents: "write", "pull-requests": "write", "id-token": "write", attestations: "write" },
    account: "LOCKSTEP_YC_REGISTRY_SERVICE_ACCOUNT_ID",
  },
  "release.yml/notify": { permissions: { contents: "read", issues: "write" } },
  "revert.yml/revert": { permissions: { contents: "write", "pull-requests": "write" } },
  "train.yml/train": {
    permissions: { contents: "write", "pull-requests": "write", "id-token": "write", attestations: "write" },
    account: "LOCKSTEP_YC_TRAIN_SERVICE_ACCOUNT_ID",
  },
  "train.yml/notify": notify,
  "verify-models.yml/verify": {
    permissions: { contents: "read", "id-token": "write", attestations: "read", statuses: "write" },
    account: "LOCKSTEP_YC_VERIFY_SERVICE_ACCOUNT_ID",
    environment: "models-verify",
  },
  "verify-models.yml/notify": notify,
  // the shadow replay into the pull request body: base code, verify's output as an action input
  "verify-models.yml/replay": { permissions: { contents: "read", "pull-requests": "write" } },
};

/** Each service account's roles, as docs/security.md states them and infra/ must grant them. */
export const ACCOUNTS: Record<string, string[]> = {
  "lockstep-trainer": [
    "kms.keys.encrypterDecrypter@kms-key",
    "storage.uploader@bucket",
    "storage.viewer@bucket",
  ],
  "lockstep-verifier": ["kms.keys.decrypter@kms-key", "storage.viewer@bucket"],
  "lockstep-monitor": ["kms.keys.decrypter@kms-key", "storage.viewer@bucket"],
  "lockstep-preview": ["kms.keys.decrypter@kms-key", "storage.viewer@bucket"],
  "lockstep-inference": ["kms.keys.decrypter@kms-key", "storage.viewer@bucket"],
  // the in-cluster monitor Jobs publish reports: the pods' key stays read-only
  "lockstep-reporter": [
    "kms.keys.encrypterDecrypter@kms-key",
    "storage.uploader@bucket",
    "storage.viewer@bucket",
  ],
  "lockstep-release": ["container-registry.images.pusher@registry"],
  "lockstep-infra-plan": [
    "iam.serviceAccounts.accessKeyAdmin@itself",
    "kms.keys.decrypter@kms-key",
    // the cache stack reads the Redis password from Lockbox while it plans
    "lockbox.payloadViewer@lockbox-secret:redis-password",
    "storage.viewer@state-bucket",
    "viewer@folder",
  ],
  "lockstep-infra": ["admin@folder"],
  "lockstep-cluster": [
    "k8s.clusters.agent@folder",
    "kms.keys.encrypterDecrypter@kms-key",
    // ingress-nginx's LoadBalancer Service becomes a public network load balancer
    "load-balancer.admin@folder",
    "vpc.publicAdmin@folder",
  ],
  "lockstep-nodes": ["container-registry.images.puller@registry"],
};

/** Which identity output (infra/ identity stack) each repository variable is set from. */
export const ACCOUNT_OF_VARIABLE: Record<string, string> = {
  LOCKSTEP_YC_TRAIN_SERVICE_ACCOUNT_ID: "lockstep-trainer",
  LOCKSTEP_YC_VERIFY_SERVICE_ACCOUNT_ID: "lockstep-verifier",
  LOCKSTEP_YC_MONITOR_SERVICE_ACCOUNT_ID: "lockstep-monitor",
  LOCKSTEP_YC_REGISTRY_SERVICE_ACCOUNT_ID: "lockstep-release",
  LOCKSTEP_YC_INFRA_PLAN_SERVICE_ACCOUNT_ID: "lockstep-infra-plan",
  LOCKSTEP_YC_INFRA_SERVICE_ACCOUNT_ID: "lockstep-infra",
};

/** Accounts with a write role (anything beyond reading artifacts, images or state). */
export const WRITERS = new Set([
  "lockstep-trainer",
  "lockstep-release",
  "lockstep-infra",
  "lockstep-cluster",
]);
