import type { Construct } from "constructs";
import { YandexDataSource, YandexResource, type One } from "./base.js";

export interface LockboxSecretConfig {
  name: string;
  folder_id: string;
  description: string;
  kms_key_id?: string;
  deletion_protection?: boolean;
  /** Lockbox generates the value itself: no secret is written in code or config (a reader's state holds what it reads). */
  password_payload_specification?: One<{
    password_key: string;
    length: number;
    include_punctuation: boolean;
  }>;
}

export class LockboxSecret extends YandexResource<LockboxSecretConfig> {
  constructor(scope: Construct, id: string, config: LockboxSecretConfig) {
    super(scope, id, "yandex_lockbox_secret", config);
  }
}

export interface LockboxSecretIamMemberConfig {
  secret_id: string;
  role: string;
  member: string;
}

export class LockboxSecretIamMember extends YandexResource<LockboxSecretIamMemberConfig> {
  constructor(scope: Construct, id: string, config: LockboxSecretIamMemberConfig) {
    super(scope, id, "yandex_lockbox_secret_iam_member", config);
  }
}

/**
 * The current version of a secret, read when planned (or at apply when the secret is new): its
 * `entries[0].text_value` is never synthesized, but is in the reading stack's state and plan files
 * (sensitive).
 */
export class DataLockboxSecretVersion extends YandexDataSource<{ secret_id: string }> {
  constructor(scope: Construct, id: string, config: DataLockboxSecretVersion["config"]) {
    super(scope, id, "yandex_lockbox_secret_version", config);
  }

  /** The value of the first entry (the generated password). */
  get firstValue(): string {
    return this.attribute("entries[0].text_value");
  }
}
