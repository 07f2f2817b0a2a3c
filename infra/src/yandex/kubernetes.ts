import type { Construct } from "constructs";
import { YandexDataSource, YandexResource, type One } from "./base.js";

export interface KubernetesClusterConfig {
  name: string;
  folder_id: string;
  network_id: string;
  service_account_id: string;
  node_service_account_id: string;
  release_channel: "RAPID" | "REGULAR" | "STABLE";
  network_policy_provider: "CALICO";
  cluster_ipv4_range: string;
  service_ipv4_range: string;
  kms_provider: One<{ key_id: string }>;
  master: One<{
    version: string;
    public_ip: boolean;
    security_group_ids: string[];
    regional: One<{ region: string; location: { zone: string; subnet_id: string }[] }>;
    maintenance_policy: One<{
      auto_upgrade: boolean;
      maintenance_window: { day?: string; start_time: string; duration: string }[];
    }>;
    master_logging?: One<{ enabled: boolean; audit_enabled: boolean; events_enabled: boolean }>;
  }>;
  workload_identity_federation?: One<{ enabled: boolean }>;
}

export class KubernetesCluster extends YandexResource<KubernetesClusterConfig> {
  constructor(scope: Construct, id: string, config: KubernetesClusterConfig) {
    super(scope, id, "yandex_kubernetes_cluster", config);
  }
}

export interface NodeGroupConfig {
  name: string;
  cluster_id: string;
  version: string;
  node_labels?: Record<string, string>;
  instance_template: One<{
    platform_id: string;
    resources: One<{ cores: number; memory: number; core_fraction: number }>;
    boot_disk: One<{ type: string; size: number }>;
    network_interface: One<{ subnet_ids: string[]; security_group_ids: string[]; nat: boolean }>;
    scheduling_policy: One<{ preemptible: boolean }>;
    container_runtime: One<{ type: "containerd" }>;
  }>;
  scale_policy: One<{ auto_scale: One<{ min: number; max: number; initial: number }> }>;
  allocation_policy: One<{ location: { zone: string }[] }>;
  maintenance_policy: One<{ auto_upgrade: boolean; auto_repair: boolean }>;
  deploy_policy: One<{ max_expansion: number; max_unavailable: number }>;
}

export class KubernetesNodeGroup extends YandexResource<NodeGroupConfig> {
  constructor(scope: Construct, id: string, config: NodeGroupConfig) {
    super(scope, id, "yandex_kubernetes_node_group", config);
  }
}

/** The caller's own credentials as the provider sees them: the IAM token for the Helm provider. */
export class DataClientConfig extends YandexDataSource<Record<string, never>> {
  constructor(scope: Construct, id: string) {
    super(scope, id, "yandex_client_config", {});
  }
}
