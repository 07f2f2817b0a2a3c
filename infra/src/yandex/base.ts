import {
  TerraformDataSource,
  TerraformProvider,
  TerraformResource,
  type TerraformMetaArguments,
} from "cdktf";
import type { Construct } from "constructs";

/** The provider version whose schema the constructs are written and tested against. */
export const YANDEX_PROVIDER_VERSION = "0.177.0";
export const YANDEX_PROVIDER_SOURCE = "yandex-cloud/yandex";

const metadata = {
  providerName: "yandex",
  providerVersion: YANDEX_PROVIDER_VERSION,
  providerVersionConstraint: YANDEX_PROVIDER_VERSION,
};

/** A Terraform block of nesting list/set with at most one item, as the provider nests it. */
export type One<T> = [T];

export interface YandexProviderConfig {
  folder_id: string;
  cloud_id?: string;
  zone?: string;
  /** Left to the environment (YC_TOKEN, YC_SERVICE_ACCOUNT_KEY_FILE): credentials never enter code. */
  endpoint?: string;
}

/** The yandex-cloud/yandex provider: folder and zone from the config, credentials from the environment. */
export class YandexProvider extends TerraformProvider {
  constructor(
    scope: Construct,
    id: string,
    readonly config: YandexProviderConfig,
  ) {
    super(scope, id, {
      terraformResourceType: "yandex",
      terraformGeneratorMetadata: metadata,
      terraformProviderSource: YANDEX_PROVIDER_SOURCE,
    });
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return { ...this.config };
  }
}

/**
 * A Yandex resource whose config is written with the provider's own attribute names, so a reader
 * checks it against the provider's docs line by line and the schema test checks it mechanically.
 */
export class YandexResource<C extends object> extends TerraformResource {
  constructor(
    scope: Construct,
    id: string,
    type: string,
    readonly config: C,
    meta: TerraformMetaArguments = {},
  ) {
    super(scope, id, { terraformResourceType: type, terraformGeneratorMetadata: metadata, ...meta });
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return { ...(this.config as Record<string, unknown>) };
  }

  /** The resource's id, known after apply. */
  get id(): string {
    return this.getStringAttribute("id");
  }

  attribute(name: string): string {
    return this.getStringAttribute(name);
  }
}

/** A Yandex data source, written as the resources are. */
export class YandexDataSource<C extends object> extends TerraformDataSource {
  constructor(
    scope: Construct,
    id: string,
    type: string,
    readonly config: C,
  ) {
    super(scope, id, { terraformResourceType: type, terraformGeneratorMetadata: metadata });
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return { ...(this.config as Record<string, unknown>) };
  }

  attribute(name: string): string {
    return this.getStringAttribute(name);
  }
}
