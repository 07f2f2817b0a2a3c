import type { Construct } from "constructs";
import {
  ContainerRegistry,
  ContainerRepository,
  ContainerRepositoryLifecyclePolicy,
} from "../yandex/registry.js";
import { LockstepStack, type StackOptions } from "./base.js";
import { output } from "./outputs.js";

export const DEFAULT_IMAGE_REPOSITORY = "lockstep-inference";

/** Container Registry for the inference image: one repository, untagged layers and old tags expire. */
export class RegistryStack extends LockstepStack {
  readonly registry: ContainerRegistry;
  /** `cr.yandex/<registry id>/<repository>`: what release.yml pushes to and the manifests pull by digest. */
  readonly imageRepository: string;

  constructor(scope: Construct, options: StackOptions) {
    super(scope, "registry", options);
    const { registry: settings, folderId } = this.config;
    this.registry = new ContainerRegistry(this, "registry", { name: settings.name, folder_id: folderId });
    const name = settings.repository ?? DEFAULT_IMAGE_REPOSITORY;
    const repository = new ContainerRepository(this, "repository", { name: `${this.registry.id}/${name}` });
    new ContainerRepositoryLifecyclePolicy(this, "lifecycle", {
      name: this.named("image-lifecycle"),
      repository_id: repository.id,
      status: "active",
      rule: [
        {
          description: "untagged layers of superseded builds",
          untagged: true,
          expire_period: `${settings.untaggedExpireHours ?? 48}h`,
        },
        {
          description: "tagged images after 30 days, the newest kept (manifests pin by digest)",
          tag_regexp: ".*",
          expire_period: "720h",
          retained_top: settings.keepTagged ?? 30,
        },
      ],
    });
    this.imageRepository = `cr.yandex/${this.registry.id}/${name}`;
    output(
      this,
      "LOCKSTEP_IMAGE_REPOSITORY",
      this.imageRepository,
      "repository variable: release.yml pushes here",
    );
    output(this, "registry_id", this.registry.id, "the Container Registry");
  }
}
