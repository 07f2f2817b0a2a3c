import { LocalBackend, S3Backend, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { InfraConfig } from "../config.js";
import { YandexProvider } from "../yandex/base.js";

export const YANDEX_STORAGE_ENDPOINT = "https://storage.yandexcloud.net";
export const YANDEX_REGION = "ru-central1";

/** Where the state lives: the state bucket, or local files for the very first apply of `storage`. */
export type StateLocation = "remote" | "local";

export interface StackOptions {
  config: InfraConfig;
  state: StateLocation;
}

/**
 * A stack with the Yandex provider (folder from the config, credentials from the environment) and
 * its state in Object Storage: Yandex's S3 endpoint, the checks AWS-only APIs would fail skipped,
 * and a lock file beside the state (Terraform >= 1.10).
 */
export class LockstepStack extends TerraformStack {
  readonly config: InfraConfig;

  constructor(scope: Construct, concern: string, options: StackOptions) {
    super(scope, concern);
    this.config = options.config;
    new YandexProvider(this, "yandex", {
      folder_id: options.config.folderId,
      zone: firstZone(options.config),
    });
    if (options.state === "local") {
      new LocalBackend(this, { path: `terraform.${concern}.tfstate` });
      return;
    }
    new S3Backend(this, {
      bucket: options.config.storage.stateBucket,
      key: `${options.config.name}/${concern}.tfstate`,
      region: YANDEX_REGION,
      endpoints: { s3: YANDEX_STORAGE_ENDPOINT },
      skipRegionValidation: true,
      skipCredentialsValidation: true,
      skipRequestingAccountId: true,
      skipMetadataApiCheck: true,
      skipS3Checksum: true,
    });
    this.addOverride("terraform.backend.s3.use_lockfile", true);
  }

  /** `<name>-<part>`: every resource is named from the config's prefix. */
  named(part: string): string {
    return `${this.config.name}-${part}`;
  }
}

export const firstZone = (config: InfraConfig) => Object.keys(config.network.subnets).sort()[0]!;
