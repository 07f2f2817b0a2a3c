import { App } from "cdktf";
import { clusterLayout, type DeployConfig } from "@lockstep/deploy";
import type { InfraConfig } from "./config.js";
import { InfraError } from "./errors.js";
import type { StateLocation } from "./stacks/base.js";
import { CacheStack } from "./stacks/cache.js";
import { ClusterStack } from "./stacks/cluster.js";
import { IdentityStack } from "./stacks/identity.js";
import { NetworkStack } from "./stacks/network.js";
import { PlatformStack } from "./stacks/platform.js";
import { RegistryStack } from "./stacks/registry.js";
import { StorageStack } from "./stacks/storage.js";

export interface BuildOptions {
  config: InfraConfig;
  /** lockstep.deploy.json: the namespaces, repository and buckets the rendered manifests expect. */
  deploy: DeployConfig;
  outdir?: string;
  state?: StateLocation;
}

export interface Stacks {
  network: NetworkStack;
  storage: StorageStack;
  registry: RegistryStack;
  identity: IdentityStack;
  cluster: ClusterStack;
  cache: CacheStack;
  platform: PlatformStack;
}

/** The rendered manifests and the infrastructure must agree on where the artifacts are. */
function checkAgreement(config: InfraConfig, deploy: DeployConfig): void {
  const layout = clusterLayout(deploy);
  const foreign = layout.storeBuckets.filter((b) => b !== config.storage.artifactBucket);
  if (foreign.length > 0)
    throw new InfraError(
      "INFRA_CONFIG_INVALID",
      `/storage/artifactBucket: "${config.storage.artifactBucket}" is not the bucket lockstep.deploy.json's environments read (${foreign.join(", ")})`,
      [{ pointer: "/storage/artifactBucket", message: "differs from lockstep.deploy.json's store bucket" }],
    );
}

/** Every stack of one environment, wired by typed props in the order they apply. */
export function buildApp(options: BuildOptions): { app: App; stacks: Stacks } {
  checkAgreement(options.config, options.deploy);
  const app = new App({ outdir: options.outdir ?? "cdktf.out", skipValidation: false });
  const base = { config: options.config, state: options.state ?? "remote" };
  const network = new NetworkStack(app, base);
  const storage = new StorageStack(app, base);
  const registry = new RegistryStack(app, base);
  const identity = new IdentityStack(app, base, {
    artifacts: storage.artifacts,
    state: storage.state,
    key: storage.key,
    registry: registry.registry,
  });
  const cluster = new ClusterStack(app, base, {
    network: network.network,
    subnets: network.subnets,
    clusterGroup: network.clusterGroup,
    apiGroup: network.apiGroup,
    ingressGroup: network.ingressGroup,
    clusterAccount: identity.accounts.cluster,
    nodeAccount: identity.accounts.nodes,
    key: storage.key,
  });
  const cache = new CacheStack(app, base, {
    network: network.network,
    subnets: network.subnets,
    redisGroup: network.redisGroup,
    key: storage.key,
    planAccount: identity.accounts.infraPlan,
  });
  const platform = new PlatformStack(app, base, {
    endpoint: cluster.endpoint,
    caCertificate: cluster.caCertificate,
    layout: clusterLayout(options.deploy),
  });
  return { app, stacks: { network, storage, registry, identity, cluster, cache, platform } };
}
