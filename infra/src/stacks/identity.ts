import type { Construct } from "constructs";
import { GithubFederation } from "../constructs/github-federation.js";
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
  key: KmsSymmetricKey;
  registry: ContainerRegistry;
}

/** The components that act in the cloud, as `ServiceAccount`s; the keys of this map are their roles' owners. */
export type Component = "trainer" | "verifier" | "inference" | "release" | "cluster" | "nodes";

/**
 * One service account per component with the least roles it needs, each on its resource, and
 * GitHub Actions federated in: train and release on the default branch, verify on pull requests.
 */
export class IdentityStack extends LockstepStack {
  readonly accounts: Record<Component, ServiceAccount>;
  readonly federation: GithubFederation;
  /** Where the inference pods' store key is kept (Lockbox, never the Terraform state). */
  readonly storeKeySecret: LockboxSecret;

  constructor(scope: Construct, options: StackOptions, props: IdentityProps) {
    super(scope, "identity", options);
    const { folderId, github } = this.config;
    const bucket = { on: "bucket", bucket: props.artifacts.name } as const;
    const key = { on: "kms-key", keyId: props.key.id } as const;
    const registry = { on: "registry", registryId: props.registry.id } as const;
    const folder = { on: "folder", folderId } as const;
    const roles: Record<Component, { description: string; grants: RoleGrant[] }> = {
      trainer: {
        description: "train.yml: writes artifacts (and reads the current pin to compare)",
        grants: [
          { role: "storage.uploader", scope: bucket },
          { role: "storage.viewer", scope: bucket },
          { role: "kms.keys.encrypterDecrypter", scope: key },
        ],
      },
      verifier: {
        description: "verify-models.yml on pull requests: reads artifacts only",
        grants: [
          { role: "storage.viewer", scope: bucket },
          { role: "kms.keys.decrypter", scope: key },
        ],
      },
      inference: {
        description: "inference pods: read the pinned artifacts",
        grants: [
          { role: "storage.viewer", scope: bucket },
          { role: "kms.keys.decrypter", scope: key },
        ],
      },
      release: {
        description: "release.yml: pushes the inference image",
        grants: [{ role: "container-registry.images.pusher", scope: registry }],
      },
      cluster: {
        description: "the Kubernetes master: manages nodes, load balancers and addresses",
        grants: [
          { role: "k8s.clusters.agent", scope: folder },
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
        new ServiceAccount(this, component, { name: this.named(component), folderId, ...roles[component] }),
      ]),
    ) as Record<Component, ServiceAccount>;
    grantRoles(this, Object.values(this.accounts));

    const [owner] = github.repository.split("/");
    const branch = `repo:${github.repository}:ref:refs/heads/${github.branch ?? "main"}`;
    this.federation = new GithubFederation(this, "github", {
      name: this.named("github"),
      folderId,
      owner: owner!,
      subjects: [
        { as: "train", subject: branch, account: this.accounts.trainer },
        { as: "release", subject: branch, account: this.accounts.release },
        { as: "verify", subject: `repo:${github.repository}:pull_request`, account: this.accounts.verifier },
      ],
    });

    this.storeKeySecret = new LockboxSecret(this, "store-key", {
      name: this.named("inference-store-key"),
      folder_id: folderId,
      description: "the inference pods' S3 key (the lockstep-store Secret in each namespace)",
      kms_key_id: props.key.id,
      deletion_protection: true,
    });
    new StaticAccessKey(this, "inference-key", {
      service_account_id: this.accounts.inference.id,
      description: "inference pods read the artifact bucket",
      output_to_lockbox: [
        {
          secret_id: this.storeKeySecret.id,
          entry_for_access_key: "AWS_ACCESS_KEY_ID",
          entry_for_secret_key: "AWS_SECRET_ACCESS_KEY",
        },
      ],
    });

    output(
      this,
      "LOCKSTEP_YC_SERVICE_ACCOUNT_ID",
      this.accounts.trainer.id,
      "repository variable: train.yml's account",
    );
    output(
      this,
      "LOCKSTEP_YC_VERIFY_SERVICE_ACCOUNT_ID",
      this.accounts.verifier.id,
      "repository variable: verify-models.yml's account",
    );
    output(
      this,
      "LOCKSTEP_YC_REGISTRY_SERVICE_ACCOUNT_ID",
      this.accounts.release.id,
      "repository variable: release.yml's account",
    );
    output(this, "federation_id", this.federation.id, "the GitHub Actions workload identity federation");
    output(this, "inference_service_account_id", this.accounts.inference.id, "the inference pods' account");
    output(this, "store_key_secret_id", this.storeKeySecret.id, "Lockbox secret holding the pods' store key");
  }
}
