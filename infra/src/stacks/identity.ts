import type { Construct } from "constructs";
import { GithubFederation, workflowSubject } from "../constructs/github-federation.js";
import { ServiceAccount, grantRoles, type RoleGrant } from "../constructs/service-account.js";
import type { PrivateBucket } from "../constructs/artifact-bucket.js";
import { StaticAccessKey } from "../yandex/iam.js";
import { LockboxSecret } from "../yandex/lockbox.js";
import type { ContainerRegistry } from "../yandex/registry.js";
import type { KmsSymmetricKey } from "../yandex/storage.js";
import { LockstepStack, type StackOptions } from "./base.js";
import { output } from "./outputs.js";

export interface IdentityProps {
  artifacts: PrivateBucket;
  state: PrivateBucket;
  key: KmsSymmetricKey;
  registry: ContainerRegistry;
}

/** The components that act in the cloud, as `ServiceAccount`s; the keys of this map are their roles' owners. */
export type Component =
  | "trainer"
  | "verifier"
  | "monitor"
  | "preview"
  | "inference"
  | "reporter"
  | "release"
  | "infraPlan"
  | "infra"
  | "cluster"
  | "nodes";

/** The GitHub environments whose jobs act in the cloud (docs/security.md: each with a branch policy). */
export const GITHUB_ENVIRONMENTS = { verify: "models-verify", infra: "infrastructure" } as const;

const accountName: Record<Component, string> = {
  trainer: "trainer",
  verifier: "verifier",
  monitor: "monitor",
  preview: "preview",
  inference: "inference",
  reporter: "reporter",
  release: "release",
  infraPlan: "infra-plan",
  infra: "infra",
  cluster: "cluster",
  nodes: "nodes",
};

/**
 * One service account per component with the least roles it needs, each on its resource, and
 * GitHub Actions federated in by OIDC subjects that name the workflow (job_workflow_ref at the
 * default branch) and, for jobs that run on pull requests or administer, a GitHub environment: each
 * job maps to exactly one account, and no pull request's code reaches a write identity.
 */
export class IdentityStack extends LockstepStack {
  readonly accounts: Record<Component, ServiceAccount>;
  readonly federation: GithubFederation;
  /** Where the inference pods' store key is kept (Lockbox, never the Terraform state). */
  readonly storeKeySecret: LockboxSecret;
  /** The previews' read-only store key, apart from the environments'. */
  readonly previewKeySecret: LockboxSecret;
  /** The monitor CronJobs' key, which may write reports. */
  readonly reportKeySecret: LockboxSecret;

  constructor(scope: Construct, options: StackOptions, props: IdentityProps) {
    super(scope, "identity", options);
    const { folderId, github } = this.config;
    const bucket = { on: "bucket", bucket: props.artifacts.name } as const;
    const stateBucket = { on: "bucket", bucket: props.state.name, label: "state" } as const;
    const key = { on: "kms-key", keyId: props.key.id } as const;
    const registry = { on: "registry", registryId: props.registry.id } as const;
    const folder = { on: "folder", folderId } as const;
    const readArtifacts: RoleGrant[] = [
      { role: "storage.viewer", scope: bucket },
      { role: "kms.keys.decrypter", scope: key },
    ];
    const roles: Record<Component, { description: string; grants: RoleGrant[] }> = {
      trainer: {
        description: "train.yml at main: writes artifacts (and reads the current pin to compare)",
        grants: [
          { role: "storage.uploader", scope: bucket },
          { role: "storage.viewer", scope: bucket },
          { role: "kms.keys.encrypterDecrypter", scope: key },
        ],
      },
      verifier: {
        description: "verify-models.yml (base code, environment models-verify): reads artifacts",
        grants: readArtifacts,
      },
      monitor: { description: "monitor.yml at main: reads artifacts", grants: readArtifacts },
      preview: {
        description: "preview pods (lockstep-pr-*): read artifacts, with a key of their own",
        grants: readArtifacts,
      },
      inference: { description: "inference pods: read the pinned artifacts", grants: readArtifacts },
      reporter: {
        description:
          "the in-cluster monitor CronJobs: read the pinned artifacts, write their reports (reports/monitor/)",
        // the pods' key stays read-only: the Jobs that publish reports hold a key of their own
        grants: [
          { role: "storage.uploader", scope: bucket },
          { role: "storage.viewer", scope: bucket },
          { role: "kms.keys.encrypterDecrypter", scope: key },
        ],
      },
      release: {
        description: "release.yml at main: pushes the inference image",
        grants: [{ role: "container-registry.images.pusher", scope: registry }],
      },
      infraPlan: {
        description:
          "infra.yml's plan at main: reads the folder and the state, never writes it (plans without a lock)",
        // viewer reads resources; the state bucket is SSE-KMS, so reading it needs decrypter on the
        // key; storage.viewer cannot write or delete, hence -lock=false. The Redis password's Lockbox
        // payload (read by the cache stack's plan) is granted on that one secret, in the cache stack.
        grants: [
          { role: "viewer", scope: folder },
          { role: "storage.viewer", scope: stateBucket },
          { role: "kms.keys.decrypter", scope: key },
          // Terraform's S3 backend takes access keys only: a job-long key of this read-only account
          { role: "iam.serviceAccounts.accessKeyAdmin", scope: { on: "itself" } },
        ],
      },
      infra: {
        description:
          "infra.yml's apply at main, in the protected environment infrastructure: administers the folder",
        grants: [{ role: "admin", scope: folder }],
      },
      cluster: {
        description: "the Kubernetes master: manages nodes, load balancers and addresses",
        // k8s.clusters.agent makes nodes, disks and internal load balancers; a network load balancer
        // with a public address (ingress-nginx's LoadBalancer Service) also needs load-balancer.admin,
        // and public addresses vpc.publicAdmin (Yandex docs: roles k8s.clusters.agent, Managed
        // Kubernetes "cluster service accounts")
        grants: [
          { role: "k8s.clusters.agent", scope: folder },
          { role: "load-balancer.admin", scope: folder },
          { role: "vpc.publicAdmin", scope: folder },
          { role: "kms.keys.encrypterDecrypter", scope: key },
        ],
      },
      nodes: {
        description: "Kubernetes nodes: pull images",
        grants: [{ role: "container-registry.images.puller", scope: registry }],
      },
    };
    this.accounts = Object.fromEntries(
      (Object.keys(roles) as Component[]).map((component) => [
        component,
        new ServiceAccount(this, accountName[component], {
          name: this.named(accountName[component]),
          folderId,
          ...roles[component],
        }),
      ]),
    ) as Record<Component, ServiceAccount>;
    grantRoles(this, Object.values(this.accounts));

    const [owner] = github.repository.split("/");
    const at = { repository: github.repository, branch: github.branch ?? "main" };
    const main = `ref:refs/heads/${at.branch}`;
    this.federation = new GithubFederation(this, "github", {
      name: this.named("github"),
      folderId,
      owner: owner!,
      subjects: [
        { as: "train", subject: workflowSubject(at, "train.yml", main), account: this.accounts.trainer },
        { as: "release", subject: workflowSubject(at, "release.yml", main), account: this.accounts.release },
        { as: "monitor", subject: workflowSubject(at, "monitor.yml", main), account: this.accounts.monitor },
        {
          as: "verify",
          subject: workflowSubject(at, "verify-models.yml", `environment:${GITHUB_ENVIRONMENTS.verify}`),
          account: this.accounts.verifier,
        },
        {
          as: "infra-plan",
          subject: workflowSubject(at, "infra.yml", main),
          account: this.accounts.infraPlan,
        },
        {
          as: "infra-apply",
          subject: workflowSubject(at, "infra.yml", `environment:${GITHUB_ENVIRONMENTS.infra}`),
          account: this.accounts.infra,
        },
      ],
    });

    const lockboxKey = (id: string, name: string, account: ServiceAccount, description: string) => {
      const secret = new LockboxSecret(this, id, {
        name: this.named(name),
        folder_id: folderId,
        description,
        kms_key_id: props.key.id,
        deletion_protection: true,
      });
      new StaticAccessKey(this, `${id}-key`, {
        service_account_id: account.id,
        description,
        output_to_lockbox: [
          {
            secret_id: secret.id,
            entry_for_access_key: "AWS_ACCESS_KEY_ID",
            entry_for_secret_key: "AWS_SECRET_ACCESS_KEY",
          },
        ],
      });
      return secret;
    };
    this.storeKeySecret = lockboxKey(
      "store-key",
      "inference-store-key",
      this.accounts.inference,
      "the inference pods' S3 key (the lockstep-store Secret in each environment's namespace)",
    );
    this.previewKeySecret = lockboxKey(
      "preview-store-key",
      "preview-store-key",
      this.accounts.preview,
      "the previews' read-only S3 key (the lockstep-store-preview Secret in each lockstep-pr-* namespace)",
    );

    this.reportKeySecret = lockboxKey(
      "report-store-key",
      "report-store-key",
      this.accounts.reporter,
      "the monitor CronJobs' S3 key, which writes reports (the lockstep-monitor-store Secret in each environment's namespace)",
    );

    const variable = (name: string, account: ServiceAccount, what: string) =>
      output(this, name, account.id, `repository variable: ${what}`);
    variable("LOCKSTEP_YC_TRAIN_SERVICE_ACCOUNT_ID", this.accounts.trainer, "train.yml's account");
    variable("LOCKSTEP_YC_VERIFY_SERVICE_ACCOUNT_ID", this.accounts.verifier, "verify-models.yml's account");
    variable("LOCKSTEP_YC_MONITOR_SERVICE_ACCOUNT_ID", this.accounts.monitor, "monitor.yml's account");
    variable("LOCKSTEP_YC_REGISTRY_SERVICE_ACCOUNT_ID", this.accounts.release, "release.yml's account");
    variable(
      "LOCKSTEP_YC_INFRA_PLAN_SERVICE_ACCOUNT_ID",
      this.accounts.infraPlan,
      "infra.yml's plan account",
    );
    variable("LOCKSTEP_YC_INFRA_SERVICE_ACCOUNT_ID", this.accounts.infra, "infra.yml's apply account");
    output(this, "federation_id", this.federation.id, "the GitHub Actions workload identity federation");
    output(this, "inference_service_account_id", this.accounts.inference.id, "the inference pods' account");
    output(this, "store_key_secret_id", this.storeKeySecret.id, "Lockbox secret holding the pods' store key");
    output(
      this,
      "report_store_key_secret_id",
      this.reportKeySecret.id,
      "Lockbox secret holding the monitor Jobs' store key",
    );
    output(
      this,
      "preview_store_key_secret_id",
      this.previewKeySecret.id,
      "Lockbox secret holding the previews' store key",
    );
  }
}
