import type { Construct } from "constructs";
import { YandexResource, type One } from "./base.js";

export interface StorageBucketConfig {
  bucket: string;
  folder_id: string;
  max_size?: number;
  force_destroy?: boolean;
  anonymous_access_flags: One<{ read: boolean; list: boolean; config_read: boolean }>;
  versioning: One<{ enabled: boolean }>;
  server_side_encryption_configuration?: One<{
    rule: One<{
      apply_server_side_encryption_by_default: One<{ kms_master_key_id: string; sse_algorithm: "aws:kms" }>;
    }>;
  }>;
  lifecycle_rule?: {
    id: string;
    enabled: boolean;
    noncurrent_version_expiration?: One<{ days: number }>;
    abort_incomplete_multipart_upload_days?: number;
  }[];
  tags?: Record<string, string>;
}

export class StorageBucket extends YandexResource<StorageBucketConfig> {
  constructor(scope: Construct, id: string, config: StorageBucketConfig) {
    super(scope, id, "yandex_storage_bucket", config);
  }
}

export interface StorageBucketIamBindingConfig {
  bucket: string;
  role: string;
  members: string[];
}

export class StorageBucketIamBinding extends YandexResource<StorageBucketIamBindingConfig> {
  constructor(scope: Construct, id: string, config: StorageBucketIamBindingConfig) {
    super(scope, id, "yandex_storage_bucket_iam_binding", config);
  }
}

export interface KmsSymmetricKeyConfig {
  name: string;
  description?: string;
  default_algorithm: "AES_128" | "AES_192" | "AES_256" | "AES_256_HSM";
  rotation_period: string;
  deletion_protection?: boolean;
}

export class KmsSymmetricKey extends YandexResource<KmsSymmetricKeyConfig> {
  constructor(scope: Construct, id: string, config: KmsSymmetricKeyConfig) {
    super(scope, id, "yandex_kms_symmetric_key", config);
  }
}

export interface KmsSymmetricKeyIamMemberConfig {
  symmetric_key_id: string;
  role: string;
  member: string;
}

export class KmsSymmetricKeyIamMember extends YandexResource<KmsSymmetricKeyIamMemberConfig> {
  constructor(scope: Construct, id: string, config: KmsSymmetricKeyIamMemberConfig) {
    super(scope, id, "yandex_kms_symmetric_key_iam_member", config);
  }
}
