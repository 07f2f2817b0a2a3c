import { Construct } from "constructs";
import { StorageBucket } from "../yandex/storage.js";
import type { KmsSymmetricKey } from "../yandex/storage.js";

export interface PrivateBucketProps {
  name: string;
  folderId: string;
  key: KmsSymmetricKey;
  maxSizeGb?: number;
  /** Non-current versions (overwritten or deleted objects) are kept this many days. */
  noncurrentVersionDays: number;
}

/**
 * A private bucket: no anonymous read, list or config read; versioned; encrypted server-side with
 * a KMS key; old versions and failed multipart uploads expire. Artifacts and the Terraform state.
 */
export class PrivateBucket extends Construct {
  readonly bucket: StorageBucket;

  constructor(scope: Construct, id: string, props: PrivateBucketProps) {
    super(scope, id);
    this.bucket = new StorageBucket(this, "bucket", {
      bucket: props.name,
      folder_id: props.folderId,
      ...(props.maxSizeGb ? { max_size: props.maxSizeGb * 1024 ** 3 } : {}),
      anonymous_access_flags: [{ read: false, list: false, config_read: false }],
      versioning: [{ enabled: true }],
      server_side_encryption_configuration: [
        {
          rule: [
            {
              apply_server_side_encryption_by_default: [
                { kms_master_key_id: props.key.id, sse_algorithm: "aws:kms" },
              ],
            },
          ],
        },
      ],
      lifecycle_rule: [
        {
          id: "expire-noncurrent-versions",
          enabled: true,
          noncurrent_version_expiration: [{ days: props.noncurrentVersionDays }],
          abort_incomplete_multipart_upload_days: 7,
        },
      ],
    });
  }

  get name(): string {
    return this.bucket.attribute("bucket");
  }
}
