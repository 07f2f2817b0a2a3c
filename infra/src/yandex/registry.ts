import type { Construct } from "constructs";
import { YandexResource } from "./base.js";

export class ContainerRegistry extends YandexResource<{
  name: string;
  folder_id: string;
  labels?: Record<string, string>;
}> {
  constructor(scope: Construct, id: string, config: ContainerRegistry["config"]) {
    super(scope, id, "yandex_container_registry", config);
  }
}

export interface ContainerRegistryIamBindingConfig {
  registry_id: string;
  role: string;
  members: string[];
}

export class ContainerRegistryIamBinding extends YandexResource<ContainerRegistryIamBindingConfig> {
  constructor(scope: Construct, id: string, config: ContainerRegistryIamBindingConfig) {
    super(scope, id, "yandex_container_registry_iam_binding", config);
  }
}

export interface LifecycleRule {
  description: string;
  untagged?: boolean;
  tag_regexp?: string;
  expire_period?: string;
  retained_top?: number;
}

export interface ContainerRepositoryLifecyclePolicyConfig {
  name: string;
  repository_id: string;
  status: "active" | "disabled";
  rule: LifecycleRule[];
}

/** Applies to one repository (`<registry id>/<name>`), created by the first push. */
export class ContainerRepositoryLifecyclePolicy extends YandexResource<ContainerRepositoryLifecyclePolicyConfig> {
  constructor(scope: Construct, id: string, config: ContainerRepositoryLifecyclePolicyConfig) {
    super(scope, id, "yandex_container_repository_lifecycle_policy", config);
  }
}

/** A repository made ahead of the first push, so its lifecycle policy can name it. */
export class ContainerRepository extends YandexResource<{ name: string }> {
  constructor(scope: Construct, id: string, config: ContainerRepository["config"]) {
    super(scope, id, "yandex_container_repository", config);
  }
}
