import type { Construct } from "constructs";
import { YandexResource, type One } from "./base.js";

export class IamServiceAccount extends YandexResource<{
  name: string;
  folder_id: string;
  description: string;
}> {
  constructor(scope: Construct, id: string, config: IamServiceAccount["config"]) {
    super(scope, id, "yandex_iam_service_account", config);
  }
}

export interface FolderIamMemberConfig {
  folder_id: string;
  role: string;
  member: string;
}

export class FolderIamMember extends YandexResource<FolderIamMemberConfig> {
  constructor(scope: Construct, id: string, config: FolderIamMemberConfig) {
    super(scope, id, "yandex_resourcemanager_folder_iam_member", config);
  }
}

export interface ServiceAccountIamMemberConfig {
  service_account_id: string;
  role: string;
  member: string;
}

/** A role on one service account (e.g. making access keys of that account alone). */
export class ServiceAccountIamMember extends YandexResource<ServiceAccountIamMemberConfig> {
  constructor(scope: Construct, id: string, config: ServiceAccountIamMemberConfig) {
    super(scope, id, "yandex_iam_service_account_iam_member", config);
  }
}

export interface OidcFederationConfig {
  name: string;
  folder_id: string;
  description?: string;
  issuer: string;
  jwks_url: string;
  audiences: string[];
  disabled?: boolean;
}

export class OidcFederation extends YandexResource<OidcFederationConfig> {
  constructor(scope: Construct, id: string, config: OidcFederationConfig) {
    super(scope, id, "yandex_iam_workload_identity_oidc_federation", config);
  }
}

export interface FederatedCredentialConfig {
  federation_id: string;
  service_account_id: string;
  external_subject_id: string;
}

export class FederatedCredential extends YandexResource<FederatedCredentialConfig> {
  constructor(scope: Construct, id: string, config: FederatedCredentialConfig) {
    super(scope, id, "yandex_iam_workload_identity_federated_credential", config);
  }
}

export interface StaticAccessKeyConfig {
  service_account_id: string;
  description: string;
  /** The key is written into Lockbox and never into the Terraform state. */
  output_to_lockbox: One<{ secret_id: string; entry_for_access_key: string; entry_for_secret_key: string }>;
}

export class StaticAccessKey extends YandexResource<StaticAccessKeyConfig> {
  constructor(scope: Construct, id: string, config: StaticAccessKeyConfig) {
    super(scope, id, "yandex_iam_service_account_static_access_key", config);
  }
}
