import type { Construct } from "constructs";
import { PrivateBucket } from "../constructs/artifact-bucket.js";
import { KmsSymmetricKey } from "../yandex/storage.js";
import { LockstepStack, YANDEX_REGION, YANDEX_STORAGE_ENDPOINT, type StackOptions } from "./base.js";
import { output } from "./outputs.js";

/** The artifact bucket models are stored in by SHA-256, the state bucket, and the key that encrypts both. */
export class StorageStack extends LockstepStack {
  readonly key: KmsSymmetricKey;
  readonly artifacts: PrivateBucket;
  readonly state: PrivateBucket;

  constructor(scope: Construct, options: StackOptions) {
    super(scope, "storage", options);
    const { storage, folderId } = this.config;
    this.key = new KmsSymmetricKey(this, "key", {
      name: this.named("storage"),
      description: "server-side encryption of the artifact and state buckets",
      default_algorithm: "AES_256",
      rotation_period: "8760h",
      deletion_protection: true,
    });
    const days = storage.noncurrentVersionDays ?? 30;
    this.artifacts = new PrivateBucket(this, "artifacts", {
      name: storage.artifactBucket,
      folderId,
      key: this.key,
      noncurrentVersionDays: days,
      ...(storage.maxSizeGb ? { maxSizeGb: storage.maxSizeGb } : {}),
    });
    this.state = new PrivateBucket(this, "state", {
      name: storage.stateBucket,
      folderId,
      key: this.key,
      noncurrentVersionDays: 90,
    });
    output(
      this,
      "LOCKSTEP_STORE",
      `s3://${storage.artifactBucket}/models`,
      "repository variable: where artifacts go",
    );
    output(this, "LOCKSTEP_S3_ENDPOINT", YANDEX_STORAGE_ENDPOINT, "repository variable");
    output(this, "LOCKSTEP_S3_REGION", YANDEX_REGION, "repository variable");
  }
}
